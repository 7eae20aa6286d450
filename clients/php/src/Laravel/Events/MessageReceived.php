<?php

declare(strict_types=1);

namespace WhatsAppGateway\Laravel\Events;

use WhatsAppGateway\Webhook\WebhookEvent;

/** A message-upsert delivery: a message arrived in (or was sent from) the instance's account. */
final class MessageReceived
{
    public readonly string $token;
    /** @var array<string, mixed> */
    public readonly array $key;
    public readonly ?string $text;

    public function __construct(public readonly WebhookEvent $webhook)
    {
        $this->token = (string) $webhook->token;
        $this->key = (array) ($webhook->payload['key'] ?? []);
        $this->text = $webhook->text();
    }

    public function fromMe(): bool
    {
        return ($this->key['fromMe'] ?? false) === true;
    }
}
