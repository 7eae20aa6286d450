<?php

declare(strict_types=1);

namespace WhatsAppGateway\Laravel\Events;

use WhatsAppGateway\Webhook\WebhookEvent;

/** Every verified, first-seen delivery (any event). Listen to it with Event::listen or a listener class. */
final class WebhookReceived
{
    public function __construct(public readonly WebhookEvent $webhook)
    {
    }
}
