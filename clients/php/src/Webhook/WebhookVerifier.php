<?php

declare(strict_types=1);

namespace WhatsAppGateway\Webhook;

use Closure;

/**
 * Verifies the gateway's signed webhook deliveries:
 *   X-Timestamp: unix seconds of the attempt
 *   X-Signature: sha256=<hex HMAC-SHA256(secret, X-Timestamp . "." . raw body)>
 * compared in constant time (hash_equals), refused when older (or further in the future) than
 * $maxAgeSeconds. Retries carry the same X-Delivery-Id: give a dedupe hook to learn about them.
 */
final class WebhookVerifier
{
    public const DEFAULT_MAX_AGE = 300;

    /** @var (Closure(string): bool)|null */
    private readonly ?Closure $firstSeen;

    /** @var Closure(): int */
    private readonly Closure $clock;

    /**
     * @param callable(string): bool|null $firstSeen Dedupe hook: given an X-Delivery-Id, returns true
     *        the first time it sees it (e.g. Laravel's Cache::add(…)); a false marks the event duplicate.
     * @param callable(): int|null        $clock     Current unix time (tests)
     */
    public function __construct(
        #[\SensitiveParameter] private readonly string $secret,
        private readonly int $maxAgeSeconds = self::DEFAULT_MAX_AGE,
        ?callable $firstSeen = null,
        ?callable $clock = null,
    ) {
        if ($secret === '') {
            throw new \InvalidArgumentException('the webhook secret must not be empty');
        }
        $this->firstSeen = $firstSeen === null ? null : Closure::fromCallable($firstSeen);
        $this->clock = $clock === null ? static fn (): int => time() : Closure::fromCallable($clock);
    }

    /**
     * @param array<string, string|list<string>> $headers Request headers, any case
     * @throws InvalidSignatureException
     */
    public function verify(string $rawBody, array $headers): WebhookEvent
    {
        $h = self::normalize($headers);
        $timestamp = $h['x-timestamp'] ?? '';
        $signature = $h['x-signature'] ?? '';
        if ($signature === '' || $timestamp === '') {
            throw new InvalidSignatureException('missing X-Signature or X-Timestamp header');
        }
        if (!preg_match('/^\d{1,12}$/', $timestamp)) {
            throw new InvalidSignatureException('X-Timestamp is not unix seconds');
        }
        if (!hash_equals($this->sign($timestamp, $rawBody), $signature)) {
            throw new InvalidSignatureException('X-Signature does not match the body');
        }
        // Checked after the signature so a forged header cannot probe the clock window.
        if (abs(($this->clock)() - (int) $timestamp) > $this->maxAgeSeconds) {
            throw new InvalidSignatureException(sprintf('delivery is older than %d seconds (X-Timestamp %s)', $this->maxAgeSeconds, $timestamp));
        }
        $payload = json_decode($rawBody, true);
        if (!is_array($payload)) {
            throw new InvalidSignatureException('signed body is not a JSON object');
        }
        $deliveryId = $h['x-delivery-id'] ?? null;
        $duplicate = $deliveryId !== null && $this->firstSeen !== null && !($this->firstSeen)($deliveryId);
        return new WebhookEvent(
            (string) ($h['x-event'] ?? $payload['event'] ?? ''),
            isset($payload['token']) ? (string) $payload['token'] : null,
            $deliveryId,
            (int) $timestamp,
            $payload,
            $duplicate,
        );
    }

    /** Verifies the current PHP request (php://input and $_SERVER headers), e.g. in a plain PHP endpoint. */
    public function verifyGlobals(): WebhookEvent
    {
        $headers = [];
        foreach ($_SERVER as $key => $value) {
            if (is_string($value) && str_starts_with((string) $key, 'HTTP_')) {
                $headers[str_replace('_', '-', substr((string) $key, 5))] = $value;
            }
        }
        return $this->verify((string) file_get_contents('php://input'), $headers);
    }

    /** The X-Signature value the gateway sends for this timestamp and body. */
    public function sign(string|int $timestamp, string $rawBody): string
    {
        return 'sha256=' . hash_hmac('sha256', $timestamp . '.' . $rawBody, $this->secret);
    }

    /**
     * @param array<string, string|list<string>> $headers
     * @return array<string, string>
     */
    private static function normalize(array $headers): array
    {
        $out = [];
        foreach ($headers as $name => $value) {
            $out[strtolower((string) $name)] = is_array($value) ? (string) ($value[0] ?? '') : (string) $value;
        }
        return $out;
    }
}
