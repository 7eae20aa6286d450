<?php

declare(strict_types=1);

namespace WhatsAppGateway\Exception;

/** Missing or wrong AUTH key (401). */
final class AuthenticationException extends ApiException
{
}
