<?php

declare(strict_types=1);

namespace WhatsAppGateway\Model;

/** A send to several numbers was queued as a bulk batch: follow it with Client::batch($batchId). */
final class BatchAccepted
{
    public function __construct(public readonly string $batchId, public readonly int $total)
    {
    }

    /** @param array<string, mixed> $data */
    public static function fromArray(array $data): self
    {
        return new self((string) $data['batchId'], (int) $data['total']);
    }
}
