<?php

declare(strict_types=1);

namespace WhatsAppGateway\Laravel;

use Closure;
use WhatsAppGateway\Laravel\Events\MessageReceived;
use WhatsAppGateway\Laravel\Events\WebhookReceived;
use WhatsAppGateway\Webhook\WebhookEvent;

/**
 * The route behind VerifyWebhookSignature: fires WebhookReceived for every delivery and
 * MessageReceived for message-upsert, then answers 204 (any 2xx marks the delivery done).
 * Queue your work in listeners (ShouldQueue) so the gateway is answered quickly.
 */
final class WebhookController
{
    /** @var Closure(object): mixed */
    private readonly Closure $dispatch;

    /** @var Closure(int, string): mixed */
    private readonly Closure $respond;

    /**
     * @param (callable(object): mixed)|null        $dispatch Default: Laravel's event()
     * @param (callable(int, string): mixed)|null  $respond  Default: Laravel's response()
     */
    public function __construct(?callable $dispatch = null, ?callable $respond = null)
    {
        $this->dispatch = $dispatch === null ? static fn (object $e): mixed => \event($e) : Closure::fromCallable($dispatch);
        $this->respond = $respond === null ? static fn (int $status, string $body): mixed => \response($body, $status) : Closure::fromCallable($respond);
    }

    public function __invoke(object $request): mixed
    {
        $webhook = $request->attributes->get(VerifyWebhookSignature::ATTRIBUTE);
        if (!$webhook instanceof WebhookEvent) {
            return ($this->respond)(401, 'unverified delivery: put VerifyWebhookSignature on this route');
        }
        ($this->dispatch)(new WebhookReceived($webhook));
        if ($webhook->event === 'message-upsert') {
            ($this->dispatch)(new MessageReceived($webhook));
        }
        return ($this->respond)(204, '');
    }
}
