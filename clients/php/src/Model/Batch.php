<?php

declare(strict_types=1);

namespace WhatsAppGateway\Model;

/** A bulk batch's progress: the same numbers as the send-progress / send-complete events. */
final class Batch
{
    /**
     * @param list<array{number: string, status: string, id: string|null, error: string|null}> $items
     */
    public function __construct(
        public readonly string $batchId,
        public readonly string $token,
        public readonly string $action,
        public readonly string $status,
        public readonly int $total,
        public readonly int $done,
        public readonly int $sent,
        public readonly int $failed,
        public readonly array $items,
    ) {
    }

    /** @param array<string, mixed> $data */
    public static function fromArray(array $data): self
    {
        return new self(
            (string) $data['batchId'],
            (string) $data['token'],
            (string) $data['action'],
            (string) $data['status'],
            (int) $data['total'],
            (int) $data['done'],
            (int) $data['sent'],
            (int) $data['failed'],
            array_values((array) ($data['items'] ?? [])),
        );
    }

    public function isFinished(): bool
    {
        return $this->done >= $this->total || in_array($this->status, ['done', 'cancelled'], true);
    }
}
