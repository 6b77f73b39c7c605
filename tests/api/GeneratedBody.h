#pragma once
// A sequential upload body of `size` bytes made up as it is read (like ShardTarDevice), for the
// signed PUT tests: records how far ahead of the bytes on the wire the reader got, which thread
// read it, and calls beforeLastBytes (once, on the reading thread) before it hands out its last
// bytes, as ShardTarDevice does.
#include <QIODevice>
#include <QThread>

#include <atomic>
#include <functional>
#include <utility>

namespace bdtest {

class GeneratedBody : public QIODevice
{
public:
    explicit GeneratedBody(qint64 size) : m_size(size) {}
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return (m_size - m_produced) + QIODevice::bytesAvailable(); }
    bool atEnd() const override { return m_produced >= m_size && QIODevice::bytesAvailable() == 0; }
    qint64 produced() const { return m_produced; }
    qint64 maxAheadOfSent = 0;
    std::atomic<qint64> sent{ 0 };
    std::function<void()> beforeLastBytes;
    std::atomic<QThread *> readerThread{ nullptr };

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        readerThread = QThread::currentThread();
        const qint64 n = qMin(maxSize, m_size - m_produced);
        if (n > 0 && m_produced + n >= m_size && beforeLastBytes)
            std::exchange(beforeLastBytes, {})();
        for (qint64 i = 0; i < n; ++i)
            data[i] = char('a' + (m_produced + i) % 26);
        m_produced += n;
        maxAheadOfSent = qMax(maxAheadOfSent, m_produced - sent);
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    qint64 m_size;
    std::atomic<qint64> m_produced{ 0 };
};

}  // namespace bdtest
