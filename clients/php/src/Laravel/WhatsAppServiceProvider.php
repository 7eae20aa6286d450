<?php

declare(strict_types=1);

namespace WhatsAppGateway\Laravel;

use Illuminate\Support\ServiceProvider;
use WhatsAppGateway\Client;
use WhatsAppGateway\Webhook\WebhookVerifier;

/**
 * Laravel integration (auto-discovered through composer.json): binds Client and WebhookVerifier
 * from config/whatsapp.php, names the middleware `whatsapp.webhook`, and registers the webhook
 * route when `whatsapp.webhook.path` is set. Only loaded by Laravel, so the rest of the package
 * never needs Laravel installed.
 */
final class WhatsAppServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        $this->mergeConfigFrom(__DIR__ . '/config/whatsapp.php', 'whatsapp');

        $this->app->singleton(Client::class, static function ($app): Client {
            $config = $app['config']['whatsapp'];
            return new Client((string) $config['url'], (string) $config['auth'], (int) $config['timeout']);
        });

        $this->app->singleton(WebhookVerifier::class, static function ($app): WebhookVerifier {
            $config = $app['config']['whatsapp']['webhook'];
            $ttl = (int) $config['dedupe_ttl'];
            // Cache::add is atomic: only the first request with a delivery id gets true.
            $firstSeen = static fn (string $id): bool => $app['cache']->store()->add('whatsapp-delivery:' . $id, true, $ttl);
            return new WebhookVerifier((string) $config['secret'], (int) $config['max_age'], $firstSeen);
        });
    }

    public function boot(): void
    {
        $this->publishes([__DIR__ . '/config/whatsapp.php' => $this->app->configPath('whatsapp.php')], 'whatsapp-config');
        $this->app['router']->aliasMiddleware('whatsapp.webhook', VerifyWebhookSignature::class);

        $path = $this->app['config']['whatsapp']['webhook']['path'] ?? null;
        if (is_string($path) && $path !== '' && !$this->app->routesAreCached()) {
            $this->app['router']->post(trim($path, '/') . '/{number?}', WebhookController::class)
                ->middleware(VerifyWebhookSignature::class)
                ->name('whatsapp.webhook');
        }
    }
}
