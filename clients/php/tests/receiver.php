<?php

declare(strict_types=1);

// A webhook receiver for `php -S` (router script), as a plain PHP app would write it: verify the
// delivery with the package, dedupe on X-Delivery-Id, answer 204 (401 when the signature is bad).
// Each request appends one JSON line to RECEIVER_LOG so the tests can see what arrived.
require __DIR__ . '/../autoload.php';

use WhatsAppGateway\Webhook\InvalidSignatureException;
use WhatsAppGateway\Webhook\WebhookVerifier;

$log = (string) getenv('RECEIVER_LOG');
$seenDir = $log . '.seen';
@mkdir($seenDir);
// First-seen check that survives across requests: creating a file is atomic with mode 'x'.
$firstSeen = static fn (string $id): bool => @fopen($seenDir . '/' . hash('sha256', $id), 'x') !== false;
$verifier = new WebhookVerifier((string) getenv('WEBHOOK_SECRET'), 300, $firstSeen);

try {
    $event = $verifier->verifyGlobals();
    $line = ['ok' => true, 'event' => $event->event, 'token' => $event->token, 'deliveryId' => $event->deliveryId, 'duplicate' => $event->duplicate, 'text' => $event->text(), 'path' => $_SERVER['REQUEST_URI']];
    http_response_code(204);
} catch (InvalidSignatureException $e) {
    $line = ['ok' => false, 'error' => $e->getMessage(), 'path' => $_SERVER['REQUEST_URI']];
    http_response_code(401);
    echo $e->getMessage();
}
file_put_contents($log, json_encode($line) . "\n", FILE_APPEND | LOCK_EX);
