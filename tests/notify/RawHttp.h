#pragma once
// Raw loopback HTTP for the receiver's attack tests: the bytes exactly as an attacker writes them
// (no client library that would fix the framing), peak memory from /proc, and a crowd of slow
// clients. Every loop is bounded by a byte count and a wall-clock limit, so a test stops by itself.
#include <QByteArray>
#include <QElapsedTimer>
#include <QFile>
#include <QList>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rawhttp {

inline int connectLoopback(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

// Status code of the first response in `bytes`, 0 when there is none yet.
inline int statusOf(const QByteArray &bytes)
{
    if (!bytes.startsWith("HTTP/1.") || bytes.size() < 12)
        return 0;
    return bytes.mid(9, 3).toInt();
}

// True once the first response's headers and its Content-Length body are all in `bytes`.
inline bool responseComplete(const QByteArray &bytes)
{
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    qint64 length = 0;
    for (const QByteArray &line : bytes.left(end).split('\n'))
        if (line.toLower().startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
    return bytes.size() >= end + 4 + length;
}

struct Exchange {
    qint64 bodySent = 0;   // body bytes the kernel took from us (the server's receive buffers included)
    QByteArray received;   // what the server answered
    bool closed = false;   // the server closed or reset the connection
    int status() const { return statusOf(received); }
};

// Sends `head`, then the pieces `nextBodyPiece` returns (empty: the body is complete), reading
// the answer meanwhile. Stops when an answer is complete, the connection is closed, or after
// timeoutMs. A server that answers before reading the body stops us from sending it.
inline Exchange exchange(quint16 port, const QByteArray &head, const std::function<QByteArray()> &nextBodyPiece,
                         int timeoutMs)
{
    Exchange ex;
    const int fd = connectLoopback(port);
    if (fd < 0) {
        ex.closed = true;
        return ex;
    }
    QByteArray pending = head;
    qint64 headLeft = head.size();
    bool bodyDone = false;
    QElapsedTimer clock;
    clock.start();
    char buffer[65536];
    while (clock.elapsed() < timeoutMs && !responseComplete(ex.received)) {
        if (pending.isEmpty() && !bodyDone) {
            pending = nextBodyPiece ? nextBodyPiece() : QByteArray();
            bodyDone = pending.isEmpty();
        }
        pollfd p{ fd, short(POLLIN | (pending.isEmpty() ? 0 : POLLOUT)), 0 };
        if (::poll(&p, 1, 50) <= 0)
            continue;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                ex.received.append(buffer, n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                ex.closed = true;
                break;
            }
        }
        if ((p.revents & POLLOUT) && !pending.isEmpty()) {
            const ssize_t n = ::send(fd, pending.constData(), size_t(pending.size()), MSG_NOSIGNAL);
            if (n > 0) {
                const qint64 fromHead = std::min<qint64>(headLeft, n);
                headLeft -= fromHead;
                ex.bodySent += n - fromHead;
                pending.remove(0, n);
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                ex.closed = true;
                break;
            }
        }
    }
    // An answer sent just before a reset may still be readable.
    for (int i = 0; i < 20 && !responseComplete(ex.received); ++i) {
        pollfd p{ fd, POLLIN, 0 };
        if (::poll(&p, 1, 50) <= 0)
            continue;
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        ex.received.append(buffer, n);
    }
    ::close(fd);
    return ex;
}

// A body source of `total` bytes in pieces of `piece` (raw, or each piece framed as one chunk).
inline std::function<QByteArray()> bodyOf(qint64 total, bool chunked, qint64 piece = 64 * 1024, char fill = 'a')
{
    auto left = std::make_shared<qint64>(total);
    auto finished = std::make_shared<bool>(false);
    return [=]() -> QByteArray {
        if (*left <= 0) {
            if (!chunked || *finished)
                return {};
            *finished = true;
            return QByteArrayLiteral("0\r\n\r\n");
        }
        const qint64 n = std::min(*left, piece);
        *left -= n;
        const QByteArray data(qsizetype(n), fill);
        return chunked ? QByteArray::number(n, 16) + "\r\n" + data + "\r\n" : data;
    };
}

inline std::function<QByteArray()> bodyOf(const QByteArray &bytes)
{
    auto sent = std::make_shared<bool>(false);
    return [=]() -> QByteArray {
        if (*sent)
            return {};
        *sent = true;
        return bytes;
    };
}

// Peak resident memory of this process (VmHWM), in bytes; resetPeakRss() starts a new peak.
inline qint64 peakRssBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    return -1;
}

inline bool resetPeakRss()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    return clear.open(QIODevice::WriteOnly) && clear.write("5") == 1;
}

// `count` connections that each send one byte of a never-ending request header every
// `intervalMs` (slow loris), from one thread, for at most `maxSeconds`.
class SlowClients
{
public:
    SlowClients(quint16 port, int count, int intervalMs, int maxSeconds)
    {
        for (int i = 0; i < count; ++i) {
            const int fd = connectLoopback(port);
            if (fd >= 0)
                m_fds.push_back(fd);
        }
        m_open.assign(m_fds.size(), 1);
        m_thread = std::thread([this, intervalMs, maxSeconds] { run(intervalMs, maxSeconds); });
    }
    ~SlowClients()
    {
        m_stop = true;
        m_thread.join();
        for (int fd : m_fds)
            ::close(fd);
    }
    int connected() const { return int(m_fds.size()); }
    int rounds() const { return m_rounds.load(); }
    int stillOpen() const { return m_stillOpen.load(); }

private:
    void run(int intervalMs, int maxSeconds)
    {
        static const QByteArray prefix = "POST /hooks HTTP/1.1\r\nHost: receiver\r\nX-Slow: ";
        QElapsedTimer clock;
        clock.start();
        for (qsizetype pos = 0; !m_stop && clock.elapsed() < maxSeconds * 1000LL; ++pos) {
            const char byte = pos < prefix.size() ? prefix.at(pos) : 'z';
            int open = 0;
            for (size_t i = 0; i < m_fds.size(); ++i) {
                if (!m_open[i])
                    continue;
                char sink[256];
                const ssize_t r = ::recv(m_fds[i], sink, sizeof sink, MSG_DONTWAIT);
                if (r == 0 || (r < 0 && errno != EAGAIN) || ::send(m_fds[i], &byte, 1, MSG_NOSIGNAL) < 0) {
                    m_open[i] = 0;
                    continue;
                }
                ++open;
            }
            m_stillOpen = open;
            ++m_rounds;
            for (int waited = 0; waited < intervalMs && !m_stop; waited += 20)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    std::vector<int> m_fds;
    std::vector<char> m_open;
    std::atomic<bool> m_stop{ false };
    std::atomic<int> m_rounds{ 0 };
    std::atomic<int> m_stillOpen{ 0 };
    std::thread m_thread;
};

}  // namespace rawhttp
