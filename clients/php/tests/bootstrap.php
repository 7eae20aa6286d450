<?php

declare(strict_types=1);

// Composer's autoloader when installed, otherwise the package's own PSR-4 loader (Debian's phpunit).
$composer = __DIR__ . '/../vendor/autoload.php';
require is_file($composer) ? $composer : __DIR__ . '/../autoload.php';
