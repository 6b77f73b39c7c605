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

// The window of [0, total) selected by the request's pageSize / nextPageToken; nullopt with
// *error set for a malformed pageSize or token (the caller answers 400).
std::optional<PageWindow> pageWindow(const QMap<QString, QString> &query, int total, QString *error,
                                     int defaultSize = 50, int maxSize = 1000);

}  // namespace bd::sandbox
