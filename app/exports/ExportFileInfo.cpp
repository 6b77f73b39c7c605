#include "exports/ExportFileInfo.h"

namespace bd {

namespace {
QString orNone(const QString &value)
{
    return value.isNull() ? QStringLiteral("None") : value;
}
}  // namespace

QString ExportFileInfo::identityKey() const
{
    return orNone(fileName) + QLatin1Char('-') + orNone(partName) + QLatin1Char('-') + orNone(shardId);
}

}  // namespace bd
