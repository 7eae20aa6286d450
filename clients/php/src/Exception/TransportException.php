<?php

declare(strict_types=1);

namespace WhatsAppGateway\Exception;

use RuntimeException;

/** The gateway could not be reached (DNS, refused connection, timeout). */
final class TransportException extends RuntimeException
{
}
