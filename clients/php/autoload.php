<?php

declare(strict_types=1);

// PSR-4 autoloader for use without Composer (require this file); Composer users get the same
// mapping from composer.json. Laravel classes live in WhatsAppGateway\Laravel and are only loaded
// when something uses them, so nothing here needs Laravel installed.
spl_autoload_register(static function (string $class): void {
    $prefix = 'WhatsAppGateway\\';
    if (!str_starts_with($class, $prefix)) {
        return;
    }
    $relative = substr($class, strlen($prefix));
    $base = str_starts_with($relative, 'Tests\\') ? __DIR__ . '/tests/' . substr($relative, 6) : __DIR__ . '/src/' . $relative;
    $file = str_replace('\\', '/', $base) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
