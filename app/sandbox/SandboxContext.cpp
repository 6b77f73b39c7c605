#include "sandbox/SandboxContext.h"

#include <QJsonDocument>

namespace bd::sandbox {

ApiReply ApiReply::json(const QJsonObject &o, int status)
{
    ApiReply reply;
    reply.status = status;
    reply.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return reply;
}

ApiReply ApiReply::error(int status, const QString &message)
{
    return json(QJsonObject{ { QStringLiteral("error"), message } }, status);
}

}  // namespace bd::sandbox
