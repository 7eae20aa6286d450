<?php

declare(strict_types=1);

namespace WhatsAppGateway\Tests;

use PHPUnit\Framework\TestCase;
use WhatsAppGateway\Webhook\InvalidSignatureException;
use WhatsAppGateway\Webhook\WebhookVerifier;

final class WebhookVerifierTest extends TestCase
{
    private const SECRET = 'unit-test-secret-123';
    private const NOW = 1_800_000_000;
    private const BODY = '{"event":"message-upsert","token":"sales","key":{"id":"ABC","fromMe":false},"message":{"conversation":"hi"}}';

    /** @return array<string, string> Headers as the gateway sends them */
    private static function signed(string $body = self::BODY, int $ts = self::NOW, string $secret = self::SECRET): array
    {
        return [
            'X-Timestamp' => (string) $ts,
            'X-Signature' => 'sha256=' . hash_hmac('sha256', $ts . '.' . $body, $secret),
            'X-Delivery-Id' => 'd-1',
            'X-Event' => 'message-upsert',
        ];
    }

    private static function verifier(?callable $firstSeen = null): WebhookVerifier
    {
        return new WebhookVerifier(self::SECRET, 300, $firstSeen, static fn (): int => self::NOW);
    }

    public function testAcceptsTheGatewaysSignatureAndDecodesTheEvent(): void
    {
        $event = self::verifier()->verify(self::BODY, self::signed());
        self::assertSame('message-upsert', $event->event);
        self::assertSame('sales', $event->token);
        self::assertSame('d-1', $event->deliveryId);
        self::assertSame(self::NOW, $event->timestamp);
        self::assertSame('hi', $event->text());
        self::assertFalse($event->duplicate);
    }

    public function testHeaderNamesAreCaseInsensitiveAndMayBeLists(): void
    {
        $headers = [];
        foreach (self::signed() as $name => $value) {
            $headers[strtolower($name)] = [$value];
        }
        self::assertSame('sales', self::verifier()->verify(self::BODY, $headers)->token);
    }

    /** @return iterable<string, array{0: string, 1: array<string, string>, 2: string}> */
    public static function forgeries(): iterable
    {
        $h = self::signed();
        yield 'tampered body' => [str_replace('hi', 'pay me', self::BODY), $h, 'does not match'];
        yield 'other secret' => [self::BODY, self::signed(secret: 'another-secret-456'), 'does not match'];
        yield 'timestamp changed after signing' => [self::BODY, ['X-Timestamp' => (string) (self::NOW - 1)] + $h, 'does not match'];
        yield 'signature over the body alone (old scheme)' => [self::BODY, ['X-Signature' => 'sha256=' . hash_hmac('sha256', self::BODY, self::SECRET)] + $h, 'does not match'];
        yield 'no signature' => [self::BODY, array_diff_key($h, ['X-Signature' => 1]), 'missing'];
        yield 'no timestamp' => [self::BODY, array_diff_key($h, ['X-Timestamp' => 1]), 'missing'];
        yield 'timestamp not a number' => [self::BODY, ['X-Timestamp' => '12abc'] + $h, 'unix seconds'];
        yield 'too old' => [self::BODY, self::signed(ts: self::NOW - 301), 'older than 300'];
        yield 'too far in the future' => [self::BODY, self::signed(ts: self::NOW + 301), 'older than 300'];
    }

    /**
     * @dataProvider forgeries
     * @param array<string, string> $headers
     */
    public function testRefuses(string $body, array $headers, string $why): void
    {
        $this->expectException(InvalidSignatureException::class);
        $this->expectExceptionMessage($why);
        self::verifier()->verify($body, $headers);
    }

    public function testAcceptsTheEdgeOfTheWindow(): void
    {
        self::assertSame('sales', self::verifier()->verify(self::BODY, self::signed(ts: self::NOW - 300))->token);
    }

    public function testTheDedupeHookMarksRetriesOfTheSameDeliveryId(): void
    {
        $seen = [];
        $firstSeen = static function (string $id) use (&$seen): bool {
            if (isset($seen[$id])) {
                return false;
            }
            $seen[$id] = true;
            return true;
        };
        $verifier = self::verifier($firstSeen);
        self::assertFalse($verifier->verify(self::BODY, self::signed())->duplicate);
        self::assertTrue($verifier->verify(self::BODY, self::signed())->duplicate);
        self::assertFalse($verifier->verify(self::BODY, ['X-Delivery-Id' => 'd-2'] + self::signed())->duplicate);
    }

    public function testSignMatchesWhatTheGatewaySends(): void
    {
        self::assertSame(self::signed()['X-Signature'], self::verifier()->sign(self::NOW, self::BODY));
    }

    public function testAnEmptySecretIsRefused(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        new WebhookVerifier('');
    }
}
