<?php

declare(strict_types=1);

namespace WhatsAppGateway\Exception;

/** The instance is not connected, or the thing already exists (409). */
final class ConflictException extends ApiException
{
}
