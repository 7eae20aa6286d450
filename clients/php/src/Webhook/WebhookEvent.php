<?php

declare(strict_types=1);

namespace WhatsAppGateway\Webhook;

/**
 * One verified delivery. `payload` is the decoded body: the seed's {token, key, message} plus
 * `event` (message-upsert, message-update, connection-state, …).
 */
final class WebhookEvent
{
    /** @param array<string, mixed> $payload */
    public function __construct(
        public readonly string $event,
        public readonly ?string $token,
        public readonly ?string $deliveryId,
        public readonly int $timestamp,
        public readonly array $payload,
        /** True when the dedupe hook has seen this X-Delivery-Id before (a retry): answer 2xx, do nothing. */
        public readonly bool $duplicate = false,
    ) {
    }

    /** The text of a message-upsert, if it carries one. */
    public function text(): ?string
    {
        $m = $this->payload['message']['message'] ?? $this->payload['message'] ?? null;
        if (!is_array($m)) {
            return null;
        }
        $text = $m['conversation'] ?? $m['extendedTextMessage']['text'] ?? null;
        return is_string($text) ? $text : null;
    }
}
