<?php

declare(strict_types=1);

namespace WhatsAppGateway\Tests;

use PHPUnit\Framework\TestCase;
use WhatsAppGateway\Client;
use WhatsAppGateway\Exception\AuthenticationException;
use WhatsAppGateway\Exception\ConflictException;
use WhatsAppGateway\Exception\NotFoundException;
use WhatsAppGateway\Exception\ValidationException;
use WhatsAppGateway\Model\BatchAccepted;
use WhatsAppGateway\Model\Instance;

/**
 * Against a real gateway in sandbox mode (test/e2e/php-client.test.ts starts it and a `php -S`
 * receiver, then runs phpunit with WA_API, WA_AUTH, RECEIVER_URL, RECEIVER_LOG, WEBHOOK_SECRET).
 * One instance is paired once and the tests run in order on it.
 */
final class GatewayTest extends TestCase
{
    private const TOKEN = 'phpunit';

    private static ?Client $client = null;
    /** @var array{number: string, jid: string} */
    private static array $alice;

    protected function setUp(): void
    {
        if (getenv('WA_API') === false) {
            self::markTestSkipped('WA_API is not set: run through test/e2e/php-client.test.ts (npm test)');
        }
        self::$client ??= new Client((string) getenv('WA_API'), (string) getenv('WA_AUTH'), 30);
    }

    /** Polls $probe until it returns something other than null/false, or fails after $seconds. */
    private static function eventually(callable $probe, string $what, float $seconds = 30.0): mixed
    {
        $deadline = microtime(true) + $seconds;
        do {
            $value = $probe();
            if ($value !== null && $value !== false) {
                return $value;
            }
            usleep(100_000);
        } while (microtime(true) < $deadline);
        self::fail("timed out after {$seconds} s waiting for {$what}");
    }

    public function testCreateScanThroughTheSandboxAndConnect(): void
    {
        $client = self::$client;
        $created = $client->createInstance(self::TOKEN);
        self::assertInstanceOf(Instance::class, $created);
        self::assertSame(self::TOKEN, $created->token);
        self::assertNull($created->proxy);
        self::eventually(fn () => $client->instance(self::TOKEN)->state === 'qr', 'the QR');
        self::assertStringStartsWith('data:image/png;base64,', $client->qr(self::TOKEN)['dataUrl']);
        self::assertStringStartsWith("\x89PNG", $client->qrPng(self::TOKEN));

        $scanned = $client->sandbox()->scan(self::TOKEN);
        self::assertMatchesRegularExpression('/^\d+$/', $scanned['phone']);
        $open = self::eventually(fn () => ($i = $client->instance(self::TOKEN))->isOpen() ? $i : null, 'state open');
        self::assertStringStartsWith($scanned['phone'], (string) $open->user['id']);
        self::assertContains(self::TOKEN, array_map(static fn (Instance $i) => $i->token, $client->instances()));
        self::$alice = $client->sandbox()->createContact('Alice PHPUnit');
    }

    /** @depends testCreateScanThroughTheSandboxAndConnect */
    public function testSendTextArrivesAtTheContact(): void
    {
        $client = self::$client;
        $sent = $client->sendText(self::TOKEN, '+' . self::$alice['number'], 'Hello from PHPUnit');
        self::assertIsArray($sent);
        $id = $sent['key']['id'];
        $got = self::eventually(function () use ($client, $id) {
            foreach ($client->sandbox()->contactMessages(self::$alice['number']) as $m) {
                if ($m['id'] === $id) {
                    return $m;
                }
            }
            return null;
        }, 'the message at the contact');
        self::assertSame('Hello from PHPUnit', $got['text']);
        self::assertSame(['exists' => true, 'jid' => self::$alice['jid']], $client->isExists(self::TOKEN, self::$alice['number']));
    }

    /** @depends testCreateScanThroughTheSandboxAndConnect */
    public function testBulkSendIsABatchThatFinishes(): void
    {
        $client = self::$client;
        $bob = $client->sandbox()->createContact('Bob PHPUnit');
        $accepted = $client->sendText(self::TOKEN, [self::$alice['number'], $bob['number']], 'Bulk from PHP', ['delay' => ['min' => 0, 'max' => 0]]);
        self::assertInstanceOf(BatchAccepted::class, $accepted);
        self::assertSame(2, $accepted->total);
        $batch = self::eventually(fn () => ($b = $client->batch($accepted->batchId))->isFinished() ? $b : null, 'the batch to finish');
        self::assertSame([2, 0], [$batch->sent, $batch->failed]);
    }

    /** @depends testCreateScanThroughTheSandboxAndConnect */
    public function testASignedWebhookIsVerifiedByTheReceiverWithThePackage(): void
    {
        $client = self::$client;
        $hook = $client->setWebhook(self::TOKEN, (string) getenv('RECEIVER_URL'), ['message-upsert'], (string) getenv('WEBHOOK_SECRET'));
        self::assertTrue($hook->hasSecret);
        self::assertSame(['message-upsert'], $client->webhook(self::TOKEN)->events);

        $client->sandbox()->contactSendsText(self::$alice['number'], self::TOKEN, 'Reply for the PHP receiver');
        $line = self::eventually(function () {
            foreach (self::receiverLog() as $l) {
                if (($l['text'] ?? null) === 'Reply for the PHP receiver') {
                    return $l;
                }
            }
            return null;
        }, 'the verified delivery in the receiver log');
        self::assertTrue($line['ok'], json_encode($line));
        self::assertSame('message-upsert', $line['event']);
        self::assertSame(self::TOKEN, $line['token']);
        self::assertFalse($line['duplicate']);
        $delivered = self::eventually(fn () => array_values(array_filter(
            $client->webhookDeliveries(self::TOKEN, 'delivered'),
            static fn (array $d) => $d['id'] === $line['deliveryId'],
        )) ?: null, 'the delivery marked delivered');
        self::assertSame(204, $delivered[0]['lastStatus']);
        self::assertSame(0, $client->replayDeadDeliveries(self::TOKEN));
    }

    /** @depends testCreateScanThroughTheSandboxAndConnect */
    public function testTheReceiverRefusesAForgedDelivery(): void
    {
        $body = '{"event":"message-upsert","token":"phpunit","message":{"conversation":"forged"}}';
        $ts = (string) time();
        $curl = curl_init((string) getenv('RECEIVER_URL'));
        curl_setopt_array($curl, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $body,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', "X-Timestamp: {$ts}", 'X-Signature: sha256=' . hash_hmac('sha256', "{$ts}.{$body}", 'not-the-secret'), 'X-Delivery-Id: forged-1'],
        ]);
        curl_exec($curl);
        self::assertSame(401, curl_getinfo($curl, CURLINFO_RESPONSE_CODE));
        curl_close($curl);
    }

    /** @depends testSendTextArrivesAtTheContact */
    public function testStoreGroupsAndScheduler(): void
    {
        $client = self::$client;
        $chats = self::eventually(fn () => in_array(self::$alice['jid'], array_column($client->chats(self::TOKEN), 'id'), true) ? true : null, 'the chat in the store');
        self::assertTrue($chats);
        self::assertNotEmpty($client->messages(self::TOKEN, self::$alice['jid'], 10));

        $group = $client->groupCreate(self::TOKEN, 'PHP team', [self::$alice['number']]);
        self::assertStringEndsWith('@g.us', $group['id']);
        self::assertSame('PHP team', $client->groupMetadata(self::TOKEN, $group['id'])['subject']);

        $jobs = $client->addScheduler(self::TOKEN, 7, 'sendText', ['number' => self::$alice['number'], 'text' => 'Good morning'], '0 8 * * *', 'Asia/Jakarta');
        self::assertSame([7], array_column($jobs, 'id'));
        $client->stopScheduler(self::TOKEN, 7);
        self::assertSame([], $client->schedulerJobs(self::TOKEN));
    }

    public function testErrorsAreTypedExceptions(): void
    {
        $client = self::$client;
        try {
            $client->sendText('no-such-instance', '15551234567', 'x');
            self::fail('expected a 404');
        } catch (NotFoundException $e) {
            self::assertSame(404, $e->httpStatus);
        }
        $this->expectException(ValidationException::class);
        $client->send('send-text', ['token' => self::TOKEN, 'number' => '15551234567']);
    }

    public function testAWrongKeyIsAnAuthenticationException(): void
    {
        $this->expectException(AuthenticationException::class);
        (new Client((string) getenv('WA_API'), 'wrong-key-0123456789'))->instances();
    }

    /** @depends testCreateScanThroughTheSandboxAndConnect */
    public function testConflictWhenScanningWithoutAQr(): void
    {
        $this->expectException(ConflictException::class);
        self::$client->sandbox()->scan(self::TOKEN);
    }

    /** @return list<array<string, mixed>> */
    private static function receiverLog(): array
    {
        $raw = @file_get_contents((string) getenv('RECEIVER_LOG'));
        return $raw === false ? [] : array_map(static fn (string $l) => json_decode($l, true), array_filter(explode("\n", $raw)));
    }
}
