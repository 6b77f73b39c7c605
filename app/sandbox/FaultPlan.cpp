#include "sandbox/FaultPlan.h"

#include <algorithm>

#include <QJsonArray>
#include <QMutexLocker>
#include <QStringList>

#include <httplib.h>

namespace bd::sandbox {

namespace {
std::string reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
    }
}
}  // namespace

bool FaultPlan::setPlan(const QJsonObject &plan, QString *error)
{
    static const QStringList actions{ QStringLiteral("status"), QStringLiteral("cut"), QStringLiteral("malformed-json"),
                                      QStringLiteral("html"), QStringLiteral("expire-url") };
    QVector<Rule> rules;
    for (const QJsonValue &value : plan.value(QLatin1String("rules")).toArray()) {
        const QJsonObject o = value.toObject();
        Rule rule;
        rule.route = o.value(QLatin1String("route")).toString(QStringLiteral("*"));
        rule.method = o.value(QLatin1String("method")).toString().toUpper();
        rule.match = o.value(QLatin1String("match")).toString();
        rule.times = o.value(QLatin1String("times")).toInt(-1);
        rule.skip = o.value(QLatin1String("skip")).toInt(0);
        rule.within = o.value(QLatin1String("within")).toInt(-1);
        rule.probability = o.value(QLatin1String("probability")).toDouble(1.0);
        if (!(rule.probability >= 0.0 && rule.probability <= 1.0)) {
            if (error)
                *error = QStringLiteral("A fault rule's probability must be between 0 and 1");
            return false;
        }
        rule.fault.status = o.value(QLatin1String("status")).toInt(0);
        rule.fault.retryAfter = o.value(QLatin1String("retryAfter")).toInt(-1);
        rule.fault.delayMs = o.value(QLatin1String("delayMs")).toInt(0);
        rule.fault.action = o.value(QLatin1String("action")).toString();
        if (rule.fault.action.isEmpty() && (rule.fault.status > 0 || rule.fault.delayMs == 0))
            rule.fault.action = QStringLiteral("status");
        if (!rule.fault.action.isEmpty() && !actions.contains(rule.fault.action)) {
            if (error)
                *error = QStringLiteral("Unknown fault action '%1' (use %2)").arg(rule.fault.action, actions.join(QStringLiteral(", ")));
            return false;
        }
        rules.append(rule);
    }
    if (!plan.isEmpty() && !plan.value(QLatin1String("rules")).isArray()) {
        if (error)
            *error = QStringLiteral("A fault plan is an object with a \"rules\" array");
        return false;
    }
    QMutexLocker lock(&m_mutex);
    m_rules = rules;
    m_random.seed(quint32(plan.value(QLatin1String("seed")).toInteger(1)));
    return true;
}

std::optional<Fault> FaultPlan::take(const QString &routeId, const QString &method, const QString &path)
{
    QMutexLocker lock(&m_mutex);
    for (Rule &rule : m_rules) {
        if (rule.route != QLatin1String("*") && rule.route != routeId)
            continue;
        if (!rule.method.isEmpty() && rule.method != method)
            continue;
        if (!rule.match.isEmpty() && !path.contains(rule.match))
            continue;
        if (rule.times >= 0 && rule.fired >= rule.times)
            continue;
        if (rule.seen++ < rule.skip)
            continue;
        if (rule.within >= 0 && rule.seen > rule.skip + rule.within)
            continue;
        if (rule.probability < 1.0 && m_random.generateDouble() >= rule.probability)
            continue;
        ++rule.fired;
        return rule.fault;
    }
    return std::nullopt;
}

void writeFault(const Fault &fault, httplib::Response &response, const std::string &body, const std::string &contentType)
{
    if (fault.retryAfter >= 0)
        response.set_header("Retry-After", std::to_string(fault.retryAfter));
    response.set_header("X-Sandbox-Fault", fault.action.toStdString());
    const int status = fault.status > 0 ? fault.status : (fault.action == QLatin1String("cut") || fault.action == QLatin1String("malformed-json") ? 200 : 503);
    response.status = status;
    const std::string reason = reasonPhrase(status);
    if (fault.action == QLatin1String("html")) {
        response.set_content("<!DOCTYPE html>\n<html><head><title>" + std::to_string(status) + " " + reason
                                 + "</title></head><body><h1>" + std::to_string(status) + " " + reason
                                 + "</h1><p>The sandbox injected this error page.</p></body></html>\n",
                             "text/html; charset=utf-8");
    } else if (fault.action == QLatin1String("malformed-json")) {
        response.set_content("{\"batches\": [{\"batchId\": \"trunc", "application/json");
    } else if (fault.action == QLatin1String("cut")) {
        // A cut must always reach the client as a broken response: with no real body (a PUT's
        // answer) the headers still promise one byte, so a complete empty 200 is never sent.
        const auto shared = std::make_shared<std::string>(body);
        const size_t promised = std::max<size_t>(shared->size(), 1);
        response.set_content_provider(promised, contentType, [shared](size_t offset, size_t, httplib::DataSink &sink) {
            const size_t half = shared->size() / 2;
            if (offset < half)
                sink.write(shared->data() + offset, half - offset);
            return false;   // abort: httplib closes the connection mid-body
        });
    } else {
        response.set_content("{\"error\": \"Injected fault: HTTP " + std::to_string(status) + " " + reason + "\"}",
                             "application/json");
    }
}

}  // namespace bd::sandbox
