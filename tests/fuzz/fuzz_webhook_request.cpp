// Fuzz target: bytes -> one connection to the real webhook receiver (libmicrohttpd, the key
// checks, framing, limits, JSON parsing, de-duplication, the SQLite history). The input is written
// as raw HTTP (so it may hold several pipelined requests) into one end of a socketpair whose other
// end the receiver serves; then the writing side is shut down and every answer read to the close.
// Asserts: no crash; no body byte of a request without the key ever reaches the receiver; body
// bytes held never exceed the budget; a 200 only for an input that carries the key; the key
// never appears in an answer; the receiver answers (closes) within its deadlines.
#include "FuzzSupport.h"

#include "core/Database.h"
#include "notify/WebhookReceiver.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

const char kKey[] = "fuzzkey";
const qint64 kBudget = 4 * 1024 * 1024;

bd::notify::WebhookReceiver &receiver()
{
    static int argc = 1;
    static char name[] = "fuzz_webhook_request";
    static char *argv[] = { name, nullptr };
    static QCoreApplication app(argc, argv);
    static bd::notify::WebhookReceiver *instance = [] {
        bd::setDatabasePath(QDir::temp().filePath(QStringLiteral("fuzz_webhook_request-%1.sqlite")
                                                      .arg(QCoreApplication::applicationPid())));
        bd::notify::WebhookReceiverOptions o;
        o.publishableKey = QString::fromLatin1(kKey);
        o.maxBodyBytes = 64 * 1024;   // small limits: the fuzzer reaches them with short inputs
        o.maxBufferedBytes = kBudget;
        o.headerDeadlineMs = 2000;
        o.bodyDeadlineMs = 2000;
        auto *r = new bd::notify::WebhookReceiver(o);
        QString error;
        if (!r->start(&error))
            fuzzsupport::fail("the receiver did not start", qPrintable(error));
        return r;
    }();
    return *instance;
}

bool contains(const QByteArray &haystack, const char *needle) { return haystack.contains(needle); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bd::notify::WebhookReceiver &r = receiver();
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        fuzzsupport::fail("socketpair", std::strerror(errno));
    if (!r.adoptConnection(pair[0]))
        fuzzsupport::fail("the receiver refused a connection");
    const int fd = pair[1];
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

    QByteArray answers;
    size_t written = 0;
    bool writeShut = false;
    QElapsedTimer clock;
    clock.start();
    char buffer[16384];
    for (;;) {
        if (clock.elapsed() > 10000)   // deadlines are 2 s: a connection still open is a hang
            fuzzsupport::fail("the receiver neither answered nor closed within 10 s");
        if (written == size && !writeShut) {
            ::shutdown(fd, SHUT_WR);
            writeShut = true;
        }
        pollfd p{ fd, short(POLLIN | (writeShut ? 0 : POLLOUT)), 0 };
        if (::poll(&p, 1, 100) <= 0)
            continue;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                if (answers.size() < 1024 * 1024)
                    answers.append(buffer, n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR))
                break;   // the receiver closed: done
        }
        if ((p.revents & POLLOUT) && !writeShut) {
            const ssize_t n = ::send(fd, data + written, size - written, MSG_NOSIGNAL);
            if (n > 0)
                written += size_t(n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                writeShut = true;   // the receiver stopped reading (refused at the headers)
        }
    }
    ::close(fd);
    QCoreApplication::processEvents();   // store and announce what was accepted

    fuzzsupport::check(r.unauthorizedBodyBytes() == 0, "body bytes of a request without the key were read");
    fuzzsupport::check(r.peakBufferedBytes() <= kBudget, "held body bytes exceeded the budget");
    fuzzsupport::check(!contains(answers, kKey), "an answer carries the key");
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    if (answers.contains(" 200 OK"))
        fuzzsupport::check(input.contains(kKey), "200 for an input without the key");
    return 0;
}
