<?php

declare(strict_types=1);

namespace WhatsAppGateway\Tests;

use PHPUnit\Framework\TestCase;
use WhatsAppGateway\Client;
use WhatsAppGateway\Laravel\VerifyWebhookSignature;
use WhatsAppGateway\Laravel\WebhookController;
use WhatsAppGateway\Laravel\WhatsAppServiceProvider;
use WhatsAppGateway\Tests\Stubs\FakeApp;
use WhatsAppGateway\Tests\Stubs\FakeCache;
use WhatsAppGateway\Tests\Stubs\FakeRouter;
use WhatsAppGateway\Webhook\WebhookVerifier;

/**
 * The provider's wiring against stubs of the Laravel pieces it touches (tests/stubs/laravel.php),
 * in a separate process so the rest of the suite still runs without any Illuminate class.
 *
 * @runTestsInSeparateProcesses
 * @preserveGlobalState disabled
 */
final class WhatsAppServiceProviderTest extends TestCase
{
    /** @return array{FakeApp, FakeCache, FakeRouter} */
    private static function boot(array $config): array
    {
        require_once __DIR__ . '/stubs/laravel.php';
        $app = new FakeApp();
        $cache = new FakeCache();
        $router = new FakeRouter();
        $app['config'] = ['whatsapp' => $config];
        $app['cache'] = $cache;
        $app['router'] = $router;
        $provider = new WhatsAppServiceProvider($app);
        $provider->register();
        $provider->boot();
        return [$app, $cache, $router];
    }

    public function testBindsTheClientAndAVerifierThatDedupesThroughTheCache(): void
    {
        [$app, $cache] = self::boot(['url' => 'http://gateway:3000/api/whatsapp', 'auth' => 'laravel-auth-key-1234', 'webhook' => ['secret' => 'provider-secret-123', 'dedupe_ttl' => 60]]);
        self::assertInstanceOf(Client::class, $app->make(Client::class));
        self::assertSame($app->make(Client::class), $app->make(Client::class), 'a singleton');

        $verifier = $app->make(WebhookVerifier::class);
        $body = '{"event":"message-upsert","token":"shop"}';
        $ts = (string) time();
        $headers = ['X-Timestamp' => $ts, 'X-Signature' => 'sha256=' . hash_hmac('sha256', "{$ts}.{$body}", 'provider-secret-123'), 'X-Delivery-Id' => 'd-9'];
        self::assertFalse($verifier->verify($body, $headers)->duplicate);
        self::assertTrue($verifier->verify($body, $headers)->duplicate);
        self::assertSame([true, 60], $cache->added['whatsapp-delivery:d-9']);
    }

    public function testRegistersTheWebhookRouteBehindTheMiddlewareAndPublishesTheConfig(): void
    {
        [, , $router] = self::boot(['auth' => 'laravel-auth-key-1234', 'webhook' => ['secret' => 'provider-secret-123', 'path' => '/hooks/wa/']]);
        self::assertSame(['whatsapp.webhook' => VerifyWebhookSignature::class], $router->aliases);
        self::assertCount(1, $router->routes);
        self::assertSame('hooks/wa/{number?}', $router->routes[0]->uri);
        self::assertSame(WebhookController::class, $router->routes[0]->action);
        self::assertSame([VerifyWebhookSignature::class], $router->routes[0]->middleware);
        self::assertArrayHasKey('whatsapp-config', \Illuminate\Support\ServiceProvider::$published);
    }

    public function testNoRouteWhenThePathIsEmpty(): void
    {
        [, , $router] = self::boot(['auth' => 'laravel-auth-key-1234', 'webhook' => ['secret' => 'provider-secret-123', 'path' => '']]);
        self::assertSame([], $router->routes);
    }
}
