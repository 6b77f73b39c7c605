#include "jobs/JobSpec.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>

namespace bd::jobs {

bool hasProblem(const FieldProblems &problems, const QString &field)
{
    for (const FieldProblem &p : problems)
        if (p.field == field)
            return true;
    return false;
}

QString describeProblems(const FieldProblems &problems)
{
    QStringList lines;
    for (const FieldProblem &p : problems)
        lines << p.field + QStringLiteral(": ") + p.message;
    return lines.join(QLatin1Char('\n'));
}

QStringList machineTypes() { return {QStringLiteral("cpu"), QStringLiteral("gpu")}; }

QStringList machineSizes()
{
    return {QStringLiteral("xs"), QStringLiteral("s"), QStringLiteral("m"), QStringLiteral("l"), QStringLiteral("xl")};
}

QStringList aggregationFormats() { return {QStringLiteral("csv"), QStringLiteral("jsonl")}; }

QStringList inferenceBackends() { return {QStringLiteral("old-inference"), QStringLiteral("inference-models")}; }

QStringList compilationDevices()
{
    return {QStringLiteral("nvidia-l4"), QStringLiteral("nvidia-t4"), QStringLiteral("nvidia-l40s")};
}

std::optional<int> workersForMachineSize(const QString &size)
{
    static const int workers[] = {8, 4, 2, 1, 1};
    const qsizetype i = machineSizes().indexOf(size);
    if (i < 0)
        return std::nullopt;
    return workers[i];
}

bool isValidJobId(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^[a-z0-9_-]{1,20}$"));
    return re.match(id).hasMatch();
}

QString generateJobId(bool trt)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    QString id = trt ? QStringLiteral("trt-") : QStringLiteral("job-");
    for (int i = 0; i < 12; ++i)
        id += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(36)]);
    return id;
}

bool isValidBatchId(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^[a-z0-9_-]{1,64}$"));
    return re.match(id).hasMatch();
}

bool isValidNotificationsUrl(const QString &url)
{
    const QUrl u(url, QUrl::StrictMode);
    return u.isValid() && (u.scheme() == QLatin1String("http") || u.scheme() == QLatin1String("https")) &&
           !u.host().isEmpty();
}

QString shellQuote(const QString &word)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    if (safe.match(word).hasMatch())
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString shellJoin(const QStringList &words)
{
    QStringList quoted;
    for (const QString &w : words)
        quoted << shellQuote(w);
    return quoted.join(QLatin1Char(' '));
}

QString CliInvocation::commandLine() const
{
    return QStringLiteral("batchdeck-cli ") + shellJoin(arguments);
}

}  // namespace bd::jobs
