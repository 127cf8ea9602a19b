<?php
/*
 * A SabreDAV CalDAV server for syncd's tests (the engine under Baïkal), run by PHP's built-in
 * server: `SABRE_DB=/tmp/x.sqlite SABRE_AUTH=basic php -S 127.0.0.1:PORT server.php`.
 *
 * SQLite storage, principals made on first sight of a user, any password accepted except
 * "wrong" (Basic, or Digest with SABRE_AUTH=digest: there the password must be "pw").
 * Debian's php-sabre-dav has no sync-collection support: a server that lacks it, as SOGo,
 * DAViCal and old Baïkal do.
 */

require_once 'Sabre/autoload.php';

$dbPath = getenv('SABRE_DB');
$fresh = !file_exists($dbPath);
$pdo = new \PDO('sqlite:' . $dbPath);
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
if ($fresh) {
    $pdo->exec('CREATE TABLE principals (id INTEGER PRIMARY KEY ASC, uri TEXT, email TEXT,
        displayname TEXT, vcardurl TEXT, UNIQUE(uri))');
    $pdo->exec('CREATE TABLE groupmembers (id INTEGER PRIMARY KEY ASC, principal_id INTEGER,
        member_id INTEGER, UNIQUE(principal_id, member_id))');
    $pdo->exec('CREATE TABLE users (id integer primary key asc, username TEXT, digesta1 TEXT,
        UNIQUE(username))');
    $pdo->exec('CREATE TABLE calendarobjects (id integer primary key asc, calendardata blob,
        uri text, calendarid integer, lastmodified integer, etag text, size integer,
        componenttype text, firstoccurence integer, lastoccurence integer)');
    $pdo->exec('CREATE TABLE calendars (id integer primary key asc, principaluri text,
        displayname text, uri text, ctag integer, description text, calendarorder integer,
        calendarcolor text, timezone text, components text, transparent bool)');
}

const REALM = 'SabreDAV';

function ensure_user($pdo, $user) {
    if (!preg_match('/^[A-Za-z0-9_-]+$/', $user)) {
        return false;
    }
    $uri = 'principals/' . $user;
    $st = $pdo->prepare('INSERT OR IGNORE INTO principals (uri, email, displayname) VALUES (?,?,?)');
    $st->execute([$uri, $user . '@example.org', $user]);
    $st = $pdo->prepare('INSERT OR IGNORE INTO users (username, digesta1) VALUES (?,?)');
    $st->execute([$user, md5($user . ':' . REALM . ':pw')]);
    return true;
}

class TestBasicAuth extends \Sabre\DAV\Auth\Backend\AbstractBasic {
    private $pdo;
    function __construct($pdo) { $this->pdo = $pdo; }
    protected function validateUserPass($username, $password) {
        return $password !== 'wrong' && ensure_user($this->pdo, $username);
    }
}

class TestDigestAuth extends \Sabre\DAV\Auth\Backend\PDO {
    private $db;
    function __construct($pdo) { parent::__construct($pdo); $this->db = $pdo; }
    public function getDigestHash($realm, $username) {
        ensure_user($this->db, $username);
        return parent::getDigestHash($realm, $username);
    }
}

$auth = getenv('SABRE_AUTH') === 'digest' ? new TestDigestAuth($pdo) : new TestBasicAuth($pdo);
$principals = new \Sabre\DAVACL\PrincipalBackend\PDO($pdo);
$calendars = new \Sabre\CalDAV\Backend\PDO($pdo);
$server = new \Sabre\DAV\Server([
    new \Sabre\CalDAV\Principal\Collection($principals),
    new \Sabre\CalDAV\CalendarRootNode($principals, $calendars),
]);
$server->setBaseUri('/');
$server->addPlugin(new \Sabre\DAV\Auth\Plugin($auth, REALM));
$server->addPlugin(new \Sabre\DAVACL\Plugin());
$server->addPlugin(new \Sabre\CalDAV\Plugin());
$server->exec();
