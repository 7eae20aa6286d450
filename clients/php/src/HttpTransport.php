<?php

declare(strict_types=1);

namespace WhatsAppGateway;

use WhatsAppGateway\Exception\ApiException;
use WhatsAppGateway\Exception\TransportException;

/**
 * JSON over ext-curl with the gateway's auth: HTTP Basic, the AUTH key as user name and an empty
 * password. Unwraps the {status, data} envelope; failures become ApiException subclasses.
 */
final class HttpTransport
{
    private readonly string $baseUrl;

    /**
     * @param string $baseUrl The server root, e.g. http://localhost:3000 (no /api suffix needed).
     */
    public function __construct(string $baseUrl, private readonly string $authKey, private readonly int $timeoutSeconds = 30)
    {
        $this->baseUrl = rtrim(preg_replace('#/api(/whatsapp)?/?$#', '', $baseUrl) ?? $baseUrl, '/');
    }

    /**
     * Sends a request and returns the envelope's `data`.
     *
     * @param array<string, mixed>|null $body  JSON body (POST/PUT)
     * @param array<string, scalar>     $query Query string
     */
    public function json(string $method, string $path, ?array $body = null, array $query = []): mixed
    {
        [$status, $raw] = $this->send($method, $path, $body, $query, 'application/json');
        $decoded = json_decode($raw, true);
        if (!is_array($decoded) || !array_key_exists('status', $decoded)) {
            throw new ApiException(sprintf('HTTP %d: not a gateway answer: %s', $status, substr($raw, 0, 200)), $status, $raw);
        }
        if ($status >= 400 || $decoded['status'] !== true) {
            $message = is_string($decoded['message'] ?? null) ? $decoded['message'] : sprintf('HTTP %d', $status);
            throw ApiException::fromStatus($status, $message, $decoded);
        }
        return $decoded['data'] ?? null;
    }

    /**
     * Sends a request and returns the raw bytes of a 2xx answer (QR PNG, downloaded media).
     *
     * @param array<string, mixed>|null $body
     */
    public function raw(string $method, string $path, ?array $body = null, string $accept = '*/*'): string
    {
        [$status, $raw] = $this->send($method, $path, $body, [], $accept);
        if ($status >= 400) {
            $decoded = json_decode($raw, true);
            $message = is_array($decoded) && is_string($decoded['message'] ?? null) ? $decoded['message'] : sprintf('HTTP %d', $status);
            throw ApiException::fromStatus($status, $message, $decoded ?? $raw);
        }
        return $raw;
    }

    /**
     * @param array<string, mixed>|null $body
     * @param array<string, scalar>     $query
     * @return array{0: int, 1: string}
     */
    private function send(string $method, string $path, ?array $body, array $query, string $accept): array
    {
        $url = $this->baseUrl . $path . ($query === [] ? '' : '?' . http_build_query($query));
        $headers = ['Accept: ' . $accept];
        $curl = curl_init($url);
        $options = [
            CURLOPT_CUSTOMREQUEST => strtoupper($method),
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_USERPWD => $this->authKey . ':',
            CURLOPT_HTTPAUTH => CURLAUTH_BASIC,
            CURLOPT_CONNECTTIMEOUT => min(10, $this->timeoutSeconds),
            CURLOPT_TIMEOUT => $this->timeoutSeconds,
        ];
        if ($body !== null) {
            $options[CURLOPT_POSTFIELDS] = json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            $headers[] = 'Content-Type: application/json';
        }
        $options[CURLOPT_HTTPHEADER] = $headers;
        curl_setopt_array($curl, $options);
        $raw = curl_exec($curl);
        if ($raw === false) {
            $error = curl_error($curl);
            curl_close($curl);
            throw new TransportException(sprintf('%s %s: %s', strtoupper($method), $url, $error));
        }
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        return [$status, (string) $raw];
    }
}
