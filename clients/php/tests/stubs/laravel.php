<?php

declare(strict_types=1);

// The few Laravel pieces WhatsAppServiceProvider touches, as plain stubs, so its wiring can be
// tested without Laravel. Only WhatsAppServiceProviderTest loads this, in its own process.

namespace Illuminate\Support {
    abstract class ServiceProvider
    {
        /** @var array<string, array<string, string>> */
        public static array $published = [];

        public function __construct(protected \WhatsAppGateway\Tests\Stubs\FakeApp $app)
        {
        }

        protected function mergeConfigFrom(string $path, string $key): void
        {
            $this->app['config'][$key] = array_replace_recursive(require $path, $this->app['config'][$key] ?? []);
        }

        /** @param array<string, string> $paths */
        protected function publishes(array $paths, string $group): void
        {
            self::$published[$group] = $paths;
        }
    }
}

namespace {
    if (!function_exists('env')) {
        function env(string $key, mixed $default = null): mixed
        {
            $value = getenv($key);
            return $value === false ? $default : $value;
        }
    }
}

namespace WhatsAppGateway\Tests\Stubs {
    /** Container: singletons, array access to bound services (config, cache, router). */
    final class FakeApp implements \ArrayAccess
    {
        /** @var array<string, mixed> */
        private array $items = [];
        /** @var array<string, \Closure> */
        public array $singletons = [];
        /** @var array<string, object> */
        private array $resolved = [];

        public function singleton(string $id, \Closure $factory): void
        {
            $this->singletons[$id] = $factory;
        }

        public function make(string $id): object
        {
            return $this->resolved[$id] ??= ($this->singletons[$id])($this);
        }

        public function configPath(string $file): string
        {
            return '/app/config/' . $file;
        }

        public function routesAreCached(): bool
        {
            return false;
        }

        public function offsetExists(mixed $offset): bool
        {
            return isset($this->items[$offset]);
        }

        public function &offsetGet(mixed $offset): mixed
        {
            return $this->items[$offset];
        }

        public function offsetSet(mixed $offset, mixed $value): void
        {
            $this->items[$offset] = $value;
        }

        public function offsetUnset(mixed $offset): void
        {
            unset($this->items[$offset]);
        }
    }

    final class FakeCache
    {
        /** @var array<string, array{mixed, int}> */
        public array $added = [];

        public function store(): self
        {
            return $this;
        }

        public function add(string $key, mixed $value, int $ttl): bool
        {
            if (isset($this->added[$key])) {
                return false;
            }
            $this->added[$key] = [$value, $ttl];
            return true;
        }
    }

    final class FakeRoute
    {
        /** @var list<string> */
        public array $middleware = [];
        public ?string $name = null;

        public function __construct(public readonly string $uri, public readonly mixed $action)
        {
        }

        public function middleware(string $m): self
        {
            $this->middleware[] = $m;
            return $this;
        }

        public function name(string $n): self
        {
            $this->name = $n;
            return $this;
        }
    }

    final class FakeRouter
    {
        /** @var array<string, string> */
        public array $aliases = [];
        /** @var list<FakeRoute> */
        public array $routes = [];

        public function aliasMiddleware(string $name, string $class): void
        {
            $this->aliases[$name] = $class;
        }

        public function post(string $uri, mixed $action): FakeRoute
        {
            return $this->routes[] = new FakeRoute($uri, $action);
        }
    }
}
