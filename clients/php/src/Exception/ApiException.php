<?php

declare(strict_types=1);

namespace WhatsAppGateway\Exception;

use RuntimeException;

/**
 * The gateway answered {status: false, message} (or something that is not its envelope).
 * Subclasses name the statuses callers usually branch on.
 */
class ApiException extends RuntimeException
{
    public function __construct(string $message, public readonly int $httpStatus, public readonly mixed $body = null)
    {
        parent::__construct($message, $httpStatus);
    }

    /** The most specific exception for an HTTP status. */
    public static function fromStatus(int $status, string $message, mixed $body = null): self
    {
        return match ($status) {
            400 => new ValidationException($message, $status, $body),
            401 => new AuthenticationException($message, $status, $body),
            404 => new NotFoundException($message, $status, $body),
            409 => new ConflictException($message, $status, $body),
            default => new self($message, $status, $body),
        };
    }
}
