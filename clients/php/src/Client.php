<?php

declare(strict_types=1);

namespace WhatsAppGateway;

use WhatsAppGateway\Model\Batch;
use WhatsAppGateway\Model\BatchAccepted;
use WhatsAppGateway\Model\Instance;
use WhatsAppGateway\Model\WebhookConfig;

/**
 * Typed client for the gateway's REST API (/api/whatsapp/*). Every method throws
 * Exception\ApiException (400 ValidationException, 401 AuthenticationException, 404
 * NotFoundException, 409 ConflictException) or Exception\TransportException.
 *
 * A send to one number returns the sent message (Baileys' WAMessage as an array, `key.id` is its
 * id); a send to a list of numbers is a bulk batch and returns a BatchAccepted.
 */
final class Client
{
    private const API = '/api/whatsapp';

    private readonly HttpTransport $http;

    public function __construct(string $baseUrl, string $authKey, int $timeoutSeconds = 30, ?HttpTransport $transport = null)
    {
        $this->http = $transport ?? new HttpTransport($baseUrl, $authKey, $timeoutSeconds);
    }

    public function transport(): HttpTransport
    {
        return $this->http;
    }

    /** The sandbox's own API (only on a gateway started with `npm run sandbox`). */
    public function sandbox(): Sandbox
    {
        return new Sandbox($this->http);
    }

    // ---- Instances -------------------------------------------------------------------------

    /** Starts (or returns) an instance; pass $phone (international digits) to get a pairing code. */
    public function createInstance(string $token, ?string $phone = null): Instance
    {
        return Instance::fromArray($this->post('/create-instance', ['token' => $token] + ($phone === null ? [] : ['phone' => $phone])));
    }

    /** @return list<Instance> */
    public function instances(): array
    {
        return array_map(Instance::fromArray(...), $this->http->json('GET', self::API . '/instances'));
    }

    public function instance(string $token): Instance
    {
        return Instance::fromArray($this->http->json('GET', self::API . '/instances/' . rawurlencode($token)));
    }

    /** @return array{qr: string, dataUrl: string} The current QR text and a PNG data URL */
    public function qr(string $token): array
    {
        return $this->http->json('GET', self::API . '/instances/' . rawurlencode($token) . '/qr');
    }

    /** The current QR as PNG bytes. */
    public function qrPng(string $token): string
    {
        return $this->http->raw('GET', self::API . '/instances/' . rawurlencode($token) . '/qr', null, 'image/png');
    }

    public function restartInstance(string $token): Instance
    {
        return Instance::fromArray($this->http->json('POST', self::API . '/instances/' . rawurlencode($token) . '/restart'));
    }

    /** Logs out (when connected), closes and wipes the instance's credentials. */
    public function deleteCredential(string $token): void
    {
        $this->post('/delete-credential', ['token' => $token]);
    }

    // ---- Sending ---------------------------------------------------------------------------

    /**
     * @param string|list<string>  $number A number or JID; a list makes a bulk batch
     * @param array<string, mixed> $extra  mentions, quoted, delay {min, max} (bulk)
     * @return array<string, mixed>|BatchAccepted
     */
    public function sendText(string $token, string|array $number, string $text, array $extra = []): array|BatchAccepted
    {
        return $this->send('send-text', ['token' => $token, 'number' => $number, 'text' => $text] + $extra);
    }

    /**
     * @param string|list<string>  $number
     * @param array<string, mixed> $media type (image, video, audio, pdf, …) or mimetype; url or base64; caption, fileName, ptt, viewOnce
     * @return array<string, mixed>|BatchAccepted
     */
    public function sendMedia(string $token, string|array $number, array $media): array|BatchAccepted
    {
        return $this->send('send-media', ['token' => $token, 'number' => $number] + $media);
    }

    /**
     * @param string|list<string>  $number
     * @param array<string, mixed> $extra name, address
     * @return array<string, mixed>|BatchAccepted
     */
    public function sendLocation(string $token, string|array $number, float $latitude, float $longitude, array $extra = []): array|BatchAccepted
    {
        return $this->send('send-location', ['token' => $token, 'number' => $number, 'latitude' => $latitude, 'longitude' => $longitude] + $extra);
    }

    /**
     * @param string|list<string> $number
     * @param list<string>        $options 2-12 options
     * @return array<string, mixed>|BatchAccepted
     */
    public function sendPoll(string $token, string|array $number, string $name, array $options, int $selectableCount = 1): array|BatchAccepted
    {
        return $this->send('send-poll', ['token' => $token, 'number' => $number, 'name' => $name, 'options' => $options, 'selectableCount' => $selectableCount]);
    }

    /**
     * @param string|list<string>                       $number
     * @param array{remoteJid: string, fromMe?: bool, id: string, participant?: string} $key The message reacted to
     * @return array<string, mixed>|BatchAccepted
     */
    public function sendReaction(string $token, string|array $number, array $key, string $emoji): array|BatchAccepted
    {
        return $this->send('send-reaction', ['token' => $token, 'number' => $number, 'key' => $key, 'text' => $emoji]);
    }

    /**
     * @param string|list<string>                          $number
     * @param list<array{displayText: string, id?: string}> $buttons
     * @param array<string, mixed>                          $extra footer, style (native, legacy, text)
     * @return array<string, mixed>|BatchAccepted
     */
    public function sendButtons(string $token, string|array $number, string $message, array $buttons, array $extra = []): array|BatchAccepted
    {
        return $this->send('send-button-message', ['token' => $token, 'number' => $number, 'message' => $message, 'button' => $buttons] + $extra);
    }

    /**
     * Any send route by its path (send-contact, send-list-message, send-template-message,
     * send-sticker, …) with the body of docs/messaging.md.
     *
     * @param array<string, mixed> $body
     * @return array<string, mixed>|BatchAccepted
     */
    public function send(string $route, array $body): array|BatchAccepted
    {
        $data = $this->post('/' . ltrim($route, '/'), $body);
        return is_array($body['number'] ?? null) ? BatchAccepted::fromArray($data) : $data;
    }

    /** @return array{exists: bool, jid: string|null} */
    public function isExists(string $token, string $number): array
    {
        return $this->post('/is-exists', ['token' => $token, 'number' => $number]);
    }

    /** @param list<array{remoteJid: string, id: string, participant?: string}> $keys */
    public function readMessages(string $token, array $keys): mixed
    {
        return $this->post('/read-messages', ['token' => $token, 'keys' => $keys]);
    }

    public function sendPresence(string $token, string $number, string $presence): mixed
    {
        return $this->post('/send-presence', ['token' => $token, 'number' => $number, 'presence' => $presence]);
    }

    /** The decrypted bytes of a received media message, by its key (the store must have it). */
    public function downloadMedia(string $token, array $key): string
    {
        return $this->http->raw('POST', self::API . '/download-media', ['token' => $token, 'key' => $key]);
    }

    // ---- Bulk batches ----------------------------------------------------------------------

    public function batch(string $batchId): Batch
    {
        return Batch::fromArray($this->http->json('GET', self::API . '/batches/' . rawurlencode($batchId)));
    }

    public function cancelBatch(string $batchId): Batch
    {
        return Batch::fromArray($this->http->json('POST', self::API . '/batches/' . rawurlencode($batchId) . '/cancel'));
    }

    // ---- Store -----------------------------------------------------------------------------

    /** @return list<array{id: string, conversationTimestamp: int|null, unreadCount: int, name?: string}> */
    public function chats(string $token, ?int $limit = null, ?int $before = null): array
    {
        return $this->http->json('GET', self::API . '/store/' . rawurlencode($token) . '/chats', null, array_filter(['limit' => $limit, 'before' => $before], static fn ($v) => $v !== null));
    }

    /** @return array<string, array{id: string, name: string|null}> Keyed by jid */
    public function contacts(string $token): array
    {
        return $this->http->json('GET', self::API . '/store/' . rawurlencode($token) . '/contacts');
    }

    /**
     * One page of a chat, oldest first; $before is a message id or unix seconds.
     *
     * @return list<array<string, mixed>>
     */
    public function messages(string $token, string $jid, ?int $limit = null, string|int|null $before = null): array
    {
        $path = self::API . '/store/' . rawurlencode($token) . '/chats/' . rawurlencode($jid) . '/messages';
        return $this->http->json('GET', $path, null, array_filter(['limit' => $limit, 'before' => $before], static fn ($v) => $v !== null));
    }

    // ---- Groups ----------------------------------------------------------------------------

    /** @param list<string> $participants Phone numbers or user JIDs */
    public function groupCreate(string $token, string $subject, array $participants): array
    {
        return $this->post('/group-create', ['token' => $token, 'subject' => $subject, 'participants' => $participants]);
    }

    /** @return list<array<string, mixed>> */
    public function groupList(string $token): array
    {
        return $this->post('/group-list', ['token' => $token]);
    }

    public function groupMetadata(string $token, string $groupJid): array
    {
        return $this->post('/group-metadata', ['token' => $token, 'number' => $groupJid]);
    }

    /**
     * @param 'add'|'remove'|'promote'|'demote' $action
     * @param list<string>                       $participants
     * @return list<array<string, mixed>> One result per participant
     */
    public function groupParticipants(string $token, string $groupJid, string $action, array $participants): array
    {
        return $this->post('/group-participants', ['token' => $token, 'number' => $groupJid, 'action' => $action, 'participants' => $participants]);
    }

    public function groupSubject(string $token, string $groupJid, string $subject): mixed
    {
        return $this->post('/group-subject', ['token' => $token, 'number' => $groupJid, 'subject' => $subject]);
    }

    public function groupDescription(string $token, string $groupJid, ?string $description): mixed
    {
        return $this->post('/group-description', ['token' => $token, 'number' => $groupJid, 'description' => $description]);
    }

    /** @param 'announcement'|'not_announcement'|'locked'|'unlocked' $setting */
    public function groupSettings(string $token, string $groupJid, string $setting): mixed
    {
        return $this->post('/group-settings', ['token' => $token, 'number' => $groupJid, 'setting' => $setting]);
    }

    public function groupInviteCode(string $token, string $groupJid): array
    {
        return $this->post('/group-invite-code', ['token' => $token, 'number' => $groupJid]);
    }

    public function groupRevokeInvite(string $token, string $groupJid): array
    {
        return $this->post('/group-revoke-invite', ['token' => $token, 'number' => $groupJid]);
    }

    /** @param string $code An invite code or a https://chat.whatsapp.com/<code> link */
    public function groupJoin(string $token, string $code): mixed
    {
        return $this->post('/group-join', ['token' => $token, 'code' => $code]);
    }

    public function groupLeave(string $token, string $groupJid): mixed
    {
        return $this->post('/group-leave', ['token' => $token, 'number' => $groupJid]);
    }

    // ---- Scheduler -------------------------------------------------------------------------

    /** @return list<array<string, mixed>> The token's jobs */
    public function schedulerJobs(string $token): array
    {
        return $this->post('/scheduler', ['token' => $token]);
    }

    /**
     * @param array<string, mixed> $data The send action's body without token, e.g. ['number' => …, 'text' => …]
     * @return list<array<string, mixed>> The token's jobs
     */
    public function addScheduler(string $token, int|string $id, string $type, array $data, string $cron, ?string $timezone = null): array
    {
        return $this->post('/scheduler/add-scheduler', self::job($token, $id, $type, $data, $cron, $timezone));
    }

    /**
     * @param array<string, mixed> $data
     * @return list<array<string, mixed>>
     */
    public function updateScheduler(string $token, int|string $id, string $type, array $data, string $cron, ?string $timezone = null): array
    {
        return $this->post('/scheduler/update-scheduler', self::job($token, $id, $type, $data, $cron, $timezone));
    }

    public function stopScheduler(string $token, int|string $id): mixed
    {
        return $this->post('/scheduler/stop-scheduler', ['token' => $token, 'id' => $id]);
    }

    public function runSchedulerNow(string $token, int|string $id): mixed
    {
        return $this->post('/scheduler/run-now', ['token' => $token, 'id' => $id]);
    }

    // ---- Webhooks --------------------------------------------------------------------------

    /** @param list<string>|null $events Default ["message-upsert"]; "*" for all */
    public function setWebhook(string $token, string $url, ?array $events = null, ?string $secret = null): WebhookConfig
    {
        $body = ['url' => $url] + array_filter(['events' => $events, 'secret' => $secret], static fn ($v) => $v !== null);
        return WebhookConfig::fromArray($this->http->json('POST', $this->webhookPath($token), $body));
    }

    public function webhook(string $token): WebhookConfig
    {
        return WebhookConfig::fromArray($this->http->json('GET', $this->webhookPath($token)));
    }

    public function deleteWebhook(string $token): void
    {
        $this->http->json('DELETE', $this->webhookPath($token));
    }

    /**
     * @param 'pending'|'delivered'|'dead'|null $status
     * @return list<array<string, mixed>> Newest first
     */
    public function webhookDeliveries(string $token, ?string $status = null, ?int $limit = null): array
    {
        return $this->http->json('GET', $this->webhookPath($token) . '/deliveries', null, array_filter(['status' => $status, 'limit' => $limit], static fn ($v) => $v !== null));
    }

    /** @return int How many dead deliveries were queued again */
    public function replayDeadDeliveries(string $token): int
    {
        return (int) $this->http->json('POST', $this->webhookPath($token) . '/deliveries/replay-dead')['replayed'];
    }

    public function replayDelivery(string $token, string $deliveryId): array
    {
        return $this->http->json('POST', $this->webhookPath($token) . '/deliveries/' . rawurlencode($deliveryId) . '/replay');
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** @param array<string, mixed> $body */
    private function post(string $route, array $body): mixed
    {
        return $this->http->json('POST', self::API . $route, $body);
    }

    private function webhookPath(string $token): string
    {
        return self::API . '/instances/' . rawurlencode($token) . '/webhook';
    }

    /**
     * @param array<string, mixed> $data
     * @return array<string, mixed>
     */
    private static function job(string $token, int|string $id, string $type, array $data, string $cron, ?string $timezone): array
    {
        return ['token' => $token, 'id' => $id, 'type' => $type, 'data' => $data, 'time' => $cron] + ($timezone === null ? [] : ['timezone' => $timezone]);
    }
}
