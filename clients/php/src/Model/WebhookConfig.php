<?php

declare(strict_types=1);

namespace WhatsAppGateway\Model;

/** An instance's own webhook; the secret is never returned, only whether one is set. */
final class WebhookConfig
{
    /** @param list<string> $events */
    public function __construct(
        public readonly string $token,
        public readonly string $url,
        public readonly array $events,
        public readonly bool $hasSecret,
    ) {
    }

    /** @param array<string, mixed> $data */
    public static function fromArray(array $data): self
    {
        return new self((string) $data['token'], (string) $data['url'], array_values((array) $data['events']), (bool) $data['hasSecret']);
    }
}
