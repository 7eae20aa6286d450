<?php

declare(strict_types=1);

namespace WhatsAppGateway\Exception;

/** Invalid input (400): the message names each bad field. */
final class ValidationException extends ApiException
{
}
