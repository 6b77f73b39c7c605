#pragma once
// A raw listening socket on 127.0.0.1 with a port the kernel picks: for the test servers that
// misbehave on purpose (cut a body, hold a connection, script a reply) below what Qt would allow.
#include <QtGlobal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace testsupport {

// The listening descriptor (-1 on failure) and its port in *port.
inline int listenOnLoopback(int backlog, quint16 *port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0)
        return -1;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), len) != 0 || ::listen(fd, backlog) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
        ::close(fd);   // no descriptor left behind by a failed start
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

}  // namespace testsupport
