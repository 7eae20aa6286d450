<?php

declare(strict_types=1);

namespace WhatsAppGateway\Model;

/** One instance (a WhatsApp account named by its token) and its connection state. */
final class Instance
{
    public const STATES = ['connecting', 'qr', 'open', 'closed', 'logged-out', 'failed'];

    /**
     * @param array{id: string, name?: string|null}|null $user The linked account once paired
     */
    public function __construct(
        public readonly string $token,
        public readonly string $state,
        public readonly ?array $user = null,
        public readonly ?string $pairingCode = null,
        public readonly ?string $message = null,
        public readonly ?string $lastError = null,
        /** The proxy it dials through (password masked), or null. */
        public readonly ?string $proxy = null,
    ) {
    }

    /** @param array<string, mixed> $data */
    public static function fromArray(array $data): self
    {
        return new self(
            (string) $data['token'],
            (string) $data['state'],
            is_array($data['user'] ?? null) ? $data['user'] : null,
            isset($data['pairingCode']) ? (string) $data['pairingCode'] : null,
            isset($data['message']) ? (string) $data['message'] : null,
            isset($data['lastError']) ? (string) $data['lastError'] : null,
            isset($data['proxy']) ? (string) $data['proxy'] : null,
        );
    }

    public function isOpen(): bool
    {
        return $this->state === 'open';
    }
}
