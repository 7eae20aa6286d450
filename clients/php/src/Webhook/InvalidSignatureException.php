<?php

declare(strict_types=1);

namespace WhatsAppGateway\Webhook;

use RuntimeException;

/** A delivery that must not be trusted: missing, wrong or stale signature. Answer it with 401. */
final class InvalidSignatureException extends RuntimeException
{
}
