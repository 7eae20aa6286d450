<?php

declare(strict_types=1);

namespace WhatsAppGateway\Laravel;

use Closure;
use WhatsAppGateway\Webhook\InvalidSignatureException;
use WhatsAppGateway\Webhook\WebhookVerifier;

/**
 * Route middleware: refuses (401) deliveries whose signature is missing, wrong or stale, answers
 * 204 to retries already handled (same X-Delivery-Id), and hands the verified WebhookEvent to
 * the route as the request attribute `whatsapp.webhook`.
 *
 * Works on any request with getContent() and a `headers` bag (Illuminate / Symfony requests);
 * it loads nothing from Laravel itself except the default response factory, `response()`.
 */
final class VerifyWebhookSignature
{
    public const ATTRIBUTE = 'whatsapp.webhook';

    /** @var Closure(int, string): mixed */
    private readonly Closure $respond;

    /** @param (callable(int, string): mixed)|null $respond Builds a response from a status and a message */
    public function __construct(private readonly WebhookVerifier $verifier, ?callable $respond = null)
    {
        $this->respond = $respond === null
            ? static fn (int $status, string $message): mixed => \response($message, $status, ['Content-Type' => 'text/plain'])
            : Closure::fromCallable($respond);
    }

    /**
     * @param object $request An Illuminate\Http\Request
     */
    public function handle(object $request, Closure $next): mixed
    {
        try {
            $event = $this->verifier->verify((string) $request->getContent(), $request->headers->all());
        } catch (InvalidSignatureException $e) {
            return ($this->respond)(401, $e->getMessage());
        }
        if ($event->duplicate) {
            return ($this->respond)(204, '');
        }
        $request->attributes->set(self::ATTRIBUTE, $event);
        return $next($request);
    }
}
