#pragma once
// Record boundaries and fields of CSV (RFC 4180) and JSONL files, for paging through large result
// files without loading them. A CSV newline inside quotes does not end a record, so line offsets
// alone cannot index CSV; the splitter tracks the quote state across chunks.
#include <QByteArray>
#include <QByteArrayView>
#include <QFile>
#include <QJsonValue>
#include <QStringList>

namespace bd {

class RecordSplitter
{
public:
    // csvQuotes: honour RFC 4180 quotes (CSV); false: every newline ends a record (JSONL).
    explicit RecordSplitter(bool csvQuotes) : m_csv(csvQuotes) {}

    // Starts over at this absolute file offset (which must be a record start).
    void reset(qint64 offset)
    {
        m_start = offset;
        m_inQuotes = false;
        m_blank = true;
        m_prevCR = false;
    }

    // Scans bytes that start at absolute offset `base`, contiguous with the previous call. Calls
    // sink(start, end) for each complete record that is not blank; end excludes "\n" / "\r\n".
    // The sink returns false to stop early; feed then returns false as well.
    template <typename Sink>
    bool feed(const char *data, qint64 size, qint64 base, Sink &&sink)
    {
        for (qint64 i = 0; i < size; ++i) {
            const char c = data[i];
            if (c == '"' && m_csv) {
                m_inQuotes = !m_inQuotes;   // "" inside quotes toggles twice: still inside
                m_blank = false;
                m_prevCR = false;
                continue;
            }
            if (c == '\n' && !m_inQuotes) {
                const qint64 end = base + i - (m_prevCR ? 1 : 0);
                const qint64 start = m_start;
                const bool blank = m_blank;
                m_start = base + i + 1;
                m_blank = true;
                m_prevCR = false;
                if (!blank && !sink(start, end))
                    return false;
                continue;
            }
            m_prevCR = (c == '\r');
            if (c != ' ' && c != '\t' && c != '\r')
                m_blank = false;
        }
        return true;
    }

    // End of data at absolute offset eof: the last record may lack a newline.
    template <typename Sink>
    void finish(qint64 eof, Sink &&sink)
    {
        if (!m_blank && eof > m_start)
            sink(m_start, eof - (m_prevCR ? 1 : 0));
        reset(eof);
    }

private:
    bool m_csv;
    bool m_inQuotes = false;
    bool m_blank = true;
    bool m_prevCR = false;
    qint64 m_start = 0;
};

// Fields of one CSV record (RFC 4180: quoted fields may hold commas, "" for a quote, newlines).
QStringList parseCsvRecord(QByteArrayView record);

// A JSON value as a table cell: numbers without a trailing ".0" or binary noise (0.93, not
// 0.9299999999999999), objects and arrays as compact JSON, null as "".
QString jsonCellText(const QJsonValue &value);

// Top-level keys of a JSON object text in the order they appear (QJsonObject sorts them, but
// columns should follow the file). Returns nothing for text that is not an object.
QStringList jsonTopLevelKeys(QByteArrayView text);

inline constexpr qint64 kRecordReadChunk = 64 * 1024;
inline constexpr qint64 kMaxRecordPageBytes = 256 << 20;   // a page of records larger than this is refused

// Reads records from `offset` until sink(QByteArray record) returns false, the file ends, or more
// than maxBytes were read (false: a record larger than that, e.g. a binary file opened by mistake).
template <typename Sink>
bool readRecords(QFile &file, qint64 offset, bool csv, Sink &&sink, qint64 maxBytes = kMaxRecordPageBytes)
{
    if (!file.seek(offset))
        return false;
    RecordSplitter splitter(csv);
    splitter.reset(offset);
    QByteArray buffer;
    qint64 bufferBase = offset;
    bool more = true;
    auto emitRecord = [&](qint64 start, qint64 end) {
        more = sink(buffer.mid(start - bufferBase, end - start));
        return more;
    };
    while (more) {
        const QByteArray chunk = file.read(kRecordReadChunk);
        if (chunk.isEmpty()) {
            splitter.finish(bufferBase + buffer.size(), emitRecord);
            break;
        }
        const qint64 chunkBase = bufferBase + buffer.size();
        buffer += chunk;
        splitter.feed(chunk.constData(), chunk.size(), chunkBase, [&](qint64 start, qint64 end) {
            return emitRecord(start, end);
        });
        if (more && buffer.size() > maxBytes)
            return false;
    }
    return true;
}

}  // namespace bd
