<?php

// Published as config/whatsapp.php (php artisan vendor:publish --tag=whatsapp-config).
return [
    // The gateway root or its API base (http://localhost:3000 or http://localhost:3000/api/whatsapp).
    'url' => env('WA_API', 'http://localhost:3000'),
    // The gateway's AUTH key (sent as Basic auth user name, empty password).
    'auth' => env('WA_AUTH'),
    'timeout' => (int) env('WA_TIMEOUT', 30),
    'webhook' => [
        // The secret you gave POST /instances/:token/webhook (or the gateway's WEBHOOK_SECRET).
        'secret' => env('WA_WEBHOOK_SECRET'),
        // Deliveries older than this (by X-Timestamp) are refused.
        'max_age' => (int) env('WA_WEBHOOK_MAX_AGE', 300),
        // Registers POST <path>/{number?} → WebhookController behind the signature middleware; null = register it yourself.
        'path' => env('WA_WEBHOOK_PATH', 'wa/webhook'),
        // How long a delivery id is remembered to drop retries already handled (seconds).
        'dedupe_ttl' => 3 * 24 * 3600,
    ],
];
