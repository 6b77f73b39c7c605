#include "ConnectionDialog.h"
#include "Palette.h"

#include "FieldValidation.h"
#include "StatusTone.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QAction>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStyle>
#include <QVBoxLayout>

namespace bd::ui {

ConnectionDialog::ConnectionDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Connect to Roboflow"));
    auto *layout = new QVBoxLayout(this);

    auto *where = new QGroupBox(tr("Service"), this);
    auto *whereLayout = new QVBoxLayout(where);
    m_profiles = new QButtonGroup(this);
    const struct { ConnectionProfile p; QString hint; } profiles[] = {
        { ConnectionProfile::Sandbox, tr("built-in emulator with demo data; no account needed") },
        { ConnectionProfile::RoboflowUS, QStringLiteral("api.roboflow.com") },
        { ConnectionProfile::RoboflowEU, QStringLiteral("api.roboflow.eu") },
        { ConnectionProfile::Custom, tr("another API base URL, e.g. a sandbox on another port") },
    };
    for (const auto &entry : profiles) {
        auto *radio = new QRadioButton(QStringLiteral("%1  —  %2").arg(connectionProfileName(entry.p), entry.hint), where);
        m_profiles->addButton(radio, int(entry.p));
        whereLayout->addWidget(radio);
    }
    m_url = new QLineEdit(where);
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    m_url->setAccessibleName(tr("Custom API base URL"));
    whereLayout->addWidget(m_url);
    // Checked when the person leaves the field or presses Connect, in a reserved line.
    m_validation = new FieldValidation(this);
    whereLayout->addWidget(m_validation->add(m_url, [this]() -> QString {
        if (profile() != ConnectionProfile::Custom)
            return {};
        const QUrl url = QUrl::fromUserInput(m_url->text().trimmed());
        if (m_url->text().trimmed().isEmpty())
            return tr("Enter the service's base URL, e.g. http://127.0.0.1:8080");
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
            return tr("Use an http:// or https:// URL");
        return {};
    }));
    layout->addWidget(where);

    auto *keyBox = new QGroupBox(tr("API key"), this);
    auto *form = new QFormLayout(keyBox);
    m_key = new QLineEdit(keyBox);
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setPlaceholderText(tr("Paste your Roboflow private API key"));
    m_key->setAccessibleDescription(tr("Stored in the system keychain, never in a file"));
    // Show / hide, as password fields on every desktop: checking a pasted key is common.
    // Without an icon theme (bare X11, offscreen) a style icon stands in, so the button never vanishes.
    const QIcon eye = QIcon::fromTheme(QStringLiteral("view-visible"), style()->standardIcon(QStyle::SP_FileDialogContentsView));
    QAction *reveal = m_key->addAction(eye, QLineEdit::TrailingPosition);
    reveal->setCheckable(true);
    reveal->setToolTip(tr("Show the key"));
    reveal->setText(tr("Show the key"));
    connect(reveal, &QAction::toggled, this, [this, reveal](bool show) {
        m_key->setEchoMode(show ? QLineEdit::Normal : QLineEdit::Password);
        reveal->setToolTip(show ? tr("Hide the key") : tr("Show the key"));
        reveal->setIcon(QIcon::fromTheme(show ? QStringLiteral("view-hidden") : QStringLiteral("view-visible"),
                                         style()->standardIcon(show ? QStyle::SP_FileDialogDetailedView
                                                                    : QStyle::SP_FileDialogContentsView)));
    });
    auto *keyLabel = new QLabel(tr("&Key:"), keyBox);
    keyLabel->setBuddy(m_key);
    form->addRow(keyLabel, m_key);
    m_keyHint = new QLabel(keyBox);
    m_keyHint->setWordWrap(true);
    m_keyHint->setForegroundRole(QPalette::PlaceholderText);   // secondary text, readable on every palette
    form->addRow(QString(), m_keyHint);
    m_remember = new QCheckBox(tr("&Remember in the system keychain"), keyBox);
    m_remember->setChecked(true);
    m_remember->setToolTip(tr("The key is stored only in the OS keychain, never in a settings file. "
                              "Unticked, it is kept in memory until Batchdeck quits."));
    form->addRow(QString(), m_remember);
    layout->addWidget(keyBox);

    m_result = new QLabel(this);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_result);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_test = buttons->addButton(tr("&Test connection"), QDialogButtonBox::ActionRole);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("C&onnect"));
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (m_validation->validateAll())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_test, &QPushButton::clicked, this, [this] {
        m_result->setText(tr("Testing…"));
        setStatusTone(m_result, StatusTone::Neutral);
        Q_EMIT testRequested();
    });
    layout->addWidget(buttons);

    // Toggled, not clicked: arrow keys move the choice too, and the key hint must follow it.
    connect(m_profiles, &QButtonGroup::idToggled, this, [this](int, bool checked) {
        if (checked)
            updateEnabled();
    });
    setProfile(ConnectionProfile::Sandbox, {});
    setKeyStored(false);
    resize(560, sizeHint().height());
}

void ConnectionDialog::setProfile(ConnectionProfile profile, const QUrl &customUrl)
{
    if (QAbstractButton *b = m_profiles->button(int(profile)))
        b->setChecked(true);
    m_url->setText(customUrl.toString());
    updateEnabled();
}

void ConnectionDialog::setKeyStored(bool stored)
{
    m_keyStored = stored;
    updateEnabled();
}

ConnectionProfile ConnectionDialog::profile() const
{
    return ConnectionProfile(qMax(0, m_profiles->checkedId()));
}

QUrl ConnectionDialog::customUrl() const
{
    return QUrl::fromUserInput(m_url->text().trimmed());
}

QString ConnectionDialog::apiKey() const
{
    return m_key->text().trimmed();
}

bool ConnectionDialog::rememberKey() const
{
    return m_remember->isChecked();
}

void ConnectionDialog::showTestResult(bool ok, const QString &text)
{
    m_result->setText((ok ? QStringLiteral("✓ ") : QStringLiteral("⚠ ")) + text);
    setStatusTone(m_result, ok ? StatusTone::Good : StatusTone::Bad);   // follows a palette change
}

void ConnectionDialog::updateEnabled()
{
    const bool sandbox = profile() == ConnectionProfile::Sandbox;
    m_url->setEnabled(profile() == ConnectionProfile::Custom);
    m_key->setEnabled(!sandbox);
    m_remember->setEnabled(!sandbox);
    // The hint follows the choice (it said "built-in key" after switching to Roboflow US).
    if (sandbox)
        m_keyHint->setText(tr("The sandbox uses its own built-in key."));
    else if (m_keyStored)
        m_keyHint->setText(tr("A key for this service is stored in the keychain; leave empty to keep it."));
    else
        m_keyHint->setText(tr("Find it in Roboflow under Settings → API Keys."));
    m_validation->recheck();
}

}  // namespace bd::ui
