<?php

declare(strict_types=1);

namespace WhatsAppGateway\Exception;

/** Unknown instance, batch, delivery or route (404). */
final class NotFoundException extends ApiException
{
}
