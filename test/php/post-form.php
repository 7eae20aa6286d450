<?php
// A PHP backend posting a form, as http_build_query (and Laravel's Http::asForm()) builds it.
// Usage: php post-form.php <path> '<json of the PHP array to send>'; env API (base URL) and AUTH.
// Prints {"status": <http status>, "body": <decoded JSON answer>}.
$path = $argv[1];
$data = json_decode($argv[2], true, 32, JSON_THROW_ON_ERROR);
$context = stream_context_create(['http' => [
    'method' => 'POST',
    'header' => "Authorization: Basic " . base64_encode(getenv('AUTH') . ':') . "\r\n"
        . "Content-Type: application/x-www-form-urlencoded\r\n",
    'content' => http_build_query($data),
    'ignore_errors' => true,
    'timeout' => 30,
]]);
$answer = file_get_contents(getenv('API') . $path, false, $context);
preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0] ?? '', $m);
echo json_encode(['status' => (int) ($m[1] ?? 0), 'body' => json_decode($answer, true)]), "\n";
