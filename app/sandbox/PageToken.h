#pragma once
// Paging for the sandbox's list routes (D1, D5, D6). Tokens are opaque standard base64 (they
// always contain '+' and '/', so a client that does not percent-encode them breaks visibly);
// the last page carries "nextPageToken": null, never "".
#include <QJsonValue>
#include <QMap>
#include <QString>

#include <optional>

namespace bd::sandbox {

struct PageWindow {
    int begin = 0;
    int end = 0;
    QJsonValue nextPageToken = QJsonValue::Null;
};

QString encodePageToken(int offset);
std::optional<int> decodePageToken(const QString &token);

// Keyset pages (D5, D6): the token carries the stored position where the next page starts, so
// a page is found without counting the pages before it. pageSize(): the request's page size
// (defaultSize when absent, capped at maxSize); nullopt with *error when malformed. pageKey():
// the position in the request's token (0 without one); nullopt with *error for a token this
// server did not issue.
QString encodePageKey(qint64 position);
std::optional<int> pageSize(const QMap<QString, QString> &query, QString *error, int defaultSize = 50,
                            int maxSize = 1000);
std::optional<qint64> pageKey(const QMap<QString, QString> &query, QString *error);

// The window of [0, total) selected by the request's pageSize / nextPageToken; nullopt with
// *error set for a malformed pageSize or token (the caller answers 400).
std::optional<PageWindow> pageWindow(const QMap<QString, QString> &query, int total, QString *error,
                                     int defaultSize = 50, int maxSize = 1000);

}  // namespace bd::sandbox
