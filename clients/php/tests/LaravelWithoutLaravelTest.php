<?php

declare(strict_types=1);

namespace WhatsAppGateway\Tests;

use PHPUnit\Framework\TestCase;
use WhatsAppGateway\Laravel\Events\MessageReceived;
use WhatsAppGateway\Laravel\Events\WebhookReceived;
use WhatsAppGateway\Laravel\VerifyWebhookSignature;
use WhatsAppGateway\Laravel\WebhookController;
use WhatsAppGateway\Webhook\WebhookEvent;
use WhatsAppGateway\Webhook\WebhookVerifier;

/** A bag like Symfony's HeaderBag / ParameterBag, enough for the middleware. */
final class FakeBag
{
    /** @param array<string, mixed> $items */
    public function __construct(private array $items = [])
    {
    }

    /** @return array<string, mixed> */
    public function all(): array
    {
        return $this->items;
    }

    public function get(string $key): mixed
    {
        return $this->items[$key] ?? null;
    }

    public function set(string $key, mixed $value): void
    {
        $this->items[$key] = $value;
    }
}

/** The parts of Illuminate\Http\Request the middleware and controller use. */
final class FakeRequest
{
    public FakeBag $headers;
    public FakeBag $attributes;

    /** @param array<string, string> $headers */
    public function __construct(private string $content, array $headers)
    {
        $this->headers = new FakeBag(array_map(static fn (string $v): array => [$v], array_change_key_case($headers)));
        $this->attributes = new FakeBag();
    }

    public function getContent(): string
    {
        return $this->content;
    }
}

/** The Laravel classes run on duck-typed requests: no Laravel needed, and none is installed here. */
final class LaravelWithoutLaravelTest extends TestCase
{
    private const SECRET = 'laravel-secret-1234';
    private const BODY = '{"event":"message-upsert","token":"shop","key":{"id":"K1","fromMe":false},"message":{"conversation":"order 42"}}';

    private static function request(string $body = self::BODY, string $secret = self::SECRET, string $id = 'del-1'): FakeRequest
    {
        $ts = (string) time();
        return new FakeRequest($body, [
            'X-Timestamp' => $ts,
            'X-Signature' => 'sha256=' . hash_hmac('sha256', $ts . '.' . $body, $secret),
            'X-Delivery-Id' => $id,
            'X-Event' => 'message-upsert',
        ]);
    }

    /** @return array{0: VerifyWebhookSignature, 1: WebhookController, 2: \ArrayObject<int, object>} */
    private static function stack(): array
    {
        $seen = new \ArrayObject();
        $firstSeen = static function (string $id) use ($seen): bool {
            if (isset($seen[$id])) {
                return false;
            }
            $seen[$id] = true;
            return true;
        };
        $respond = static fn (int $status, string $body): array => ['status' => $status, 'body' => $body];
        $dispatched = new \ArrayObject();
        $middleware = new VerifyWebhookSignature(new WebhookVerifier(self::SECRET, 300, $firstSeen), $respond);
        $controller = new WebhookController(static function (object $e) use ($dispatched): void {
            $dispatched[] = $e;
        }, $respond);
        return [$middleware, $controller, $dispatched];
    }

    public function testLaravelIsNotInstalledHere(): void
    {
        self::assertFalse(class_exists(\Illuminate\Support\ServiceProvider::class));
    }

    public function testAVerifiedDeliveryFiresWebhookReceivedAndMessageReceived(): void
    {
        [$middleware, $controller, $dispatched] = self::stack();
        $answer = $middleware->handle(self::request(), $controller(...));
        self::assertSame(['status' => 204, 'body' => ''], $answer);
        self::assertCount(2, $dispatched);
        self::assertInstanceOf(WebhookReceived::class, $dispatched[0]);
        self::assertInstanceOf(MessageReceived::class, $dispatched[1]);
        self::assertSame('shop', $dispatched[1]->token);
        self::assertSame('order 42', $dispatched[1]->text);
        self::assertFalse($dispatched[1]->fromMe());
        self::assertInstanceOf(WebhookEvent::class, $dispatched[0]->webhook);
    }

    public function testAForgedDeliveryIs401AndReachesNoListener(): void
    {
        [$middleware, $controller, $dispatched] = self::stack();
        $answer = $middleware->handle(self::request(secret: 'wrong-secret-9999'), $controller(...));
        self::assertSame(401, $answer['status']);
        self::assertStringContainsString('does not match', $answer['body']);
        self::assertCount(0, $dispatched);
    }

    public function testARetryOfAHandledDeliveryIs204WithoutFiringAgain(): void
    {
        [$middleware, $controller, $dispatched] = self::stack();
        $middleware->handle(self::request(), $controller(...));
        $again = $middleware->handle(self::request(), $controller(...));
        self::assertSame(204, $again['status']);
        self::assertCount(2, $dispatched, 'the retry fired no event');
    }

    public function testTheControllerRefusesARequestTheMiddlewareDidNotVerify(): void
    {
        [, $controller, $dispatched] = self::stack();
        self::assertSame(401, $controller(self::request())['status']);
        self::assertCount(0, $dispatched);
    }
}
