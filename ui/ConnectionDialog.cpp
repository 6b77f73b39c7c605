#include "ConnectionDialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
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
    whereLayout->addWidget(m_url);
    layout->addWidget(where);

    auto *keyBox = new QGroupBox(tr("API key"), this);
    auto *form = new QFormLayout(keyBox);
    m_key = new QLineEdit(keyBox);
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setPlaceholderText(tr("Paste your Roboflow private API key"));
    form->addRow(tr("Key:"), m_key);
    m_keyHint = new QLabel(keyBox);
    m_keyHint->setWordWrap(true);
    m_keyHint->setStyleSheet(QStringLiteral("color: palette(mid);"));
    form->addRow(QString(), m_keyHint);
    m_remember = new QCheckBox(tr("Remember in the system keychain"), keyBox);
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
    m_test = buttons->addButton(tr("Test connection"), QDialogButtonBox::ActionRole);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_test, &QPushButton::clicked, this, [this] {
        m_result->setText(tr("Testing…"));
        m_result->setStyleSheet({});
        Q_EMIT testRequested();
    });
    layout->addWidget(buttons);

    connect(m_profiles, &QButtonGroup::idClicked, this, [this] { updateEnabled(); });
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
    m_keyHint->setText(stored ? tr("A key for this service is stored in the keychain; leave empty to keep it.")
                              : tr("Find it in Roboflow under Settings → API Keys."));
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
    m_result->setText(text);
    m_result->setStyleSheet(ok ? QStringLiteral("color: #2e7d32;") : QStringLiteral("color: #c62828;"));
}

void ConnectionDialog::updateEnabled()
{
    const bool sandbox = profile() == ConnectionProfile::Sandbox;
    m_url->setEnabled(profile() == ConnectionProfile::Custom);
    m_key->setEnabled(!sandbox);
    m_remember->setEnabled(!sandbox);
    if (sandbox)
        m_keyHint->setText(tr("The sandbox uses its own built-in key."));
}

}  // namespace bd::ui
