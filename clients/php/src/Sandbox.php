<?php

declare(strict_types=1);

namespace WhatsAppGateway;

/**
 * The sandbox's own API (`npm run sandbox` only): scan a QR with a simulated phone and play
 * simulated contacts, so an integration can be built and tested without a phone.
 */
final class Sandbox
{
    public function __construct(private readonly HttpTransport $http)
    {
    }

    /** A simulated phone scans the instance's current QR. @return array{phone: string} */
    public function scan(string $token, ?string $phone = null): array
    {
        return $this->http->json('POST', '/api/sandbox/scan', ['token' => $token] + ($phone === null ? [] : ['phone' => $phone]));
    }

    /** @return array{number: string, jid: string, onWhatsApp: bool, name?: string} */
    public function createContact(?string $name = null, ?string $number = null): array
    {
        return $this->http->json('POST', '/api/sandbox/contacts', array_filter(['name' => $name, 'number' => $number], static fn ($v) => $v !== null));
    }

    /** @return list<array{number: string, jid: string, onWhatsApp: bool}> */
    public function contacts(): array
    {
        return $this->http->json('GET', '/api/sandbox/contacts');
    }

    /** The contact sends a text to the instance's account. @return array{id: string} */
    public function contactSendsText(string $number, string $token, string $text): array
    {
        return $this->http->json('POST', '/api/sandbox/contacts/' . rawurlencode($number) . '/send', ['token' => $token, 'text' => $text]);
    }

    /** What the contact received, oldest first. @return list<array<string, mixed>> */
    public function contactMessages(string $number): array
    {
        return $this->http->json('GET', '/api/sandbox/contacts/' . rawurlencode($number) . '/messages');
    }
}
