//! Diagnosis + the visitor's device → the few steps that can help, in order, as plain data.
//!
//! A step is an id (`data-step`), a title and detail parts: sentences, key combinations, menu
//! paths, links, the countdown slot and verbatim code. The shell renders every part with
//! `textContent` and attributes only; links are built here from validated config or fixed sites.
//!
//! Which steps, by verdict (each step is dropped when it cannot apply: no support contact
//! configured, no mirror up, no keyboard shortcut on phones, no host name):
//!
//! | verdict | steps |
//! |---|---|
//! | `visitor-offline` | restart-router, other-network, disable-vpn, refresh |
//! | `visitor-network` | disable-vpn, other-network, restart-router, another-browser, use-mirror, refresh, contact-support |
//! | `blocked` (429) | wait, disable-vpn, contact-support |
//! | `blocked` (other) | disable-vpn, another-browser, clear-cache, other-network, contact-support |
//! | `known-incident`, `maintenance` | wait, use-mirror, contact-support |
//! | `gateway-down`, `app-down` | wait, use-mirror, down-for-everyone, contact-support |
//! | `app-overloaded` | wait, refresh, use-mirror, contact-support |
//! | `recovered` | refresh |
//! | `unknown` | wait, refresh, hard-refresh, another-browser, down-for-everyone, use-mirror, contact-support |
//!
//! Network steps appear only when the visitor's side looks broken (offline, unreachable from this
//! network, or blocked); cache advice never appears while the site itself is failing, since it
//! cannot help and costs the visitor their logins.

use super::config::{Config, HostingKind, ServerKind, UpstreamKind};
use super::environment::{Browser, Environment, Os};
use super::evidence::Visit;
use super::messages::Message;
use super::text::concat;
use super::url::push_percent_encoded;
use super::verdict::{Diagnosis, Verdict};
use crate::prelude::*;

/// The stable step ids (`data-step`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepId {
    Refresh,
    HardRefresh,
    AnotherBrowser,
    ClearCache,
    RestartRouter,
    OtherNetwork,
    DisableVpn,
    DownForEveryone,
    Wait,
    ContactSupport,
    UseMirror,
}

impl StepId {
    pub fn as_str(self) -> &'static str {
        match self {
            StepId::Refresh => "refresh",
            StepId::HardRefresh => "hard-refresh",
            StepId::AnotherBrowser => "another-browser",
            StepId::ClearCache => "clear-cache",
            StepId::RestartRouter => "restart-router",
            StepId::OtherNetwork => "other-network",
            StepId::DisableVpn => "disable-vpn",
            StepId::DownForEveryone => "down-for-everyone",
            StepId::Wait => "wait",
            StepId::ContactSupport => "contact-support",
            StepId::UseMirror => "use-mirror",
        }
    }

    fn title(self) -> Message {
        match self {
            StepId::Refresh => Message::StepRefreshTitle,
            StepId::HardRefresh => Message::StepHardRefreshTitle,
            StepId::AnotherBrowser => Message::StepAnotherBrowserTitle,
            StepId::ClearCache => Message::StepClearCacheTitle,
            StepId::RestartRouter => Message::StepRestartRouterTitle,
            StepId::OtherNetwork => Message::StepOtherNetworkTitle,
            StepId::DisableVpn => Message::StepDisableVpnTitle,
            StepId::DownForEveryone => Message::StepDownForEveryoneTitle,
            StepId::Wait => Message::StepWaitTitle,
            StepId::ContactSupport => Message::StepContactSupportTitle,
            StepId::UseMirror => Message::StepUseMirrorTitle,
        }
    }
}

/// A key on the visitor's keyboard; its label is a [`Message`] so translators can write "Strg".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Ctrl,
    Shift,
    Cmd,
    Option,
    F5,
    R,
    Delete,
    /// The Mac key printed "delete" that erases backwards (a PC's Backspace).
    MacDelete,
}

impl Key {
    pub fn label(self) -> Message {
        match self {
            Key::Ctrl => Message::KeyCtrl,
            Key::Shift => Message::KeyShift,
            Key::Cmd => Message::KeyCmd,
            Key::Option => Message::KeyOption,
            Key::F5 => Message::KeyF5,
            Key::R => Message::KeyR,
            Key::Delete => Message::KeyDelete,
            Key::MacDelete => Message::KeyMacDelete,
        }
    }
}

/// Keys pressed together, e.g. Ctrl + R.
pub type KeyCombo = &'static [Key];

/// A link's visible text: a translated message, or a name that is not translated (a site's or
/// a channel's name, an e-mail address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Label {
    Message(Message),
    Verbatim(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Always `http(s)`, `mailto:` or a same-origin path.
    pub href: String,
    pub label: Label,
}

/// One part of a step, rendered in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    Text(Message),
    /// Alternatives: any one of these combinations works.
    Keys(&'static [KeyCombo]),
    /// A path through menus or settings screens, outermost first.
    Menu(&'static [Message]),
    Link(Link),
    /// Where the shell shows the live countdown to the next check.
    Countdown,
    /// Text shown as is, in a monospace font (the request id).
    Code(String),
    /// A shell command for the operator, to copy as is.
    Command(&'static str),
    /// Lines of a configuration file for the operator, to copy as is.
    ConfigSnippet(&'static str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: StepId,
    pub title: Message,
    pub details: Vec<Detail>,
}

/// The visitor's steps, most useful first.
pub fn steps(
    diagnosis: &Diagnosis,
    environment: &Environment,
    config: &Config,
    visit: &Visit,
) -> Vec<Step> {
    use StepId::*;
    let rate_limited = diagnosis
        .reasons
        .iter()
        .any(|r| r.finding.status() == Some(429));
    let order: &[StepId] = match diagnosis.verdict {
        Verdict::VisitorOffline => &[RestartRouter, OtherNetwork, DisableVpn, Refresh],
        Verdict::VisitorNetwork => &[
            DisableVpn,
            OtherNetwork,
            RestartRouter,
            AnotherBrowser,
            UseMirror,
            Refresh,
            ContactSupport,
        ],
        Verdict::Blocked if rate_limited => &[Wait, DisableVpn, ContactSupport],
        Verdict::Blocked => &[
            DisableVpn,
            AnotherBrowser,
            ClearCache,
            OtherNetwork,
            ContactSupport,
        ],
        Verdict::KnownIncident | Verdict::Maintenance => &[Wait, UseMirror, ContactSupport],
        Verdict::GatewayDown | Verdict::AppDown => {
            &[Wait, UseMirror, DownForEveryone, ContactSupport]
        }
        Verdict::AppOverloaded => &[Wait, Refresh, UseMirror, ContactSupport],
        // The site is back: reloading is all there is to do. Should a reload land on the error page
        // again, that page load makes its own diagnosis.
        Verdict::Recovered => &[Refresh],
        Verdict::Unknown => &[
            Wait,
            Refresh,
            HardRefresh,
            AnotherBrowser,
            DownForEveryone,
            UseMirror,
            ContactSupport,
        ],
    };
    let builder = Builder {
        diagnosis,
        os: environment.os,
        browser: environment.browser,
        config,
        visit,
        rate_limited,
    };
    // A plain loop, not `filter_map` + `collect`: smaller in the wasm.
    let mut steps = Vec::new();
    for &id in order {
        if let Some(details) = builder.details(id) {
            steps.push(Step {
                id,
                title: id.title(),
                details,
            });
        }
    }
    steps
}

struct Builder<'a> {
    diagnosis: &'a Diagnosis,
    os: Os,
    browser: Browser,
    config: &'a Config,
    visit: &'a Visit,
    rate_limited: bool,
}

impl Builder<'_> {
    /// The step's details, or `None` when the step cannot apply here.
    fn details(&self, id: StepId) -> Option<Vec<Detail>> {
        use Detail::{Keys, Text};
        let mobile = self.os.is_mobile();
        Some(match id {
            StepId::Refresh => match refresh_keys(self.os) {
                Some(keys) => vec![
                    Text(Message::StepRefreshDetail),
                    Text(Message::KeysLabel),
                    Keys(keys),
                ],
                None if mobile => vec![Text(Message::StepRefreshTouch)],
                None => vec![Text(Message::StepRefreshButton)],
            },
            StepId::HardRefresh => match hard_refresh_keys(self.os, self.browser) {
                Some(keys) => vec![
                    Text(Message::StepHardRefreshDetail),
                    Text(Message::KeysLabel),
                    Keys(keys),
                ],
                // Phones have no forced reload; a normal one is already offered.
                None if mobile => return None,
                None => vec![
                    Text(Message::StepHardRefreshDetail),
                    Text(Message::StepHardRefreshButton),
                ],
            },
            StepId::AnotherBrowser => vec![Text(Message::StepAnotherBrowserDetail)],
            StepId::ClearCache => self.clear_cache(),
            StepId::RestartRouter => vec![Text(Message::StepRestartRouterDetail)],
            StepId::OtherNetwork => vec![Text(if mobile {
                Message::StepOtherNetworkMobile
            } else {
                Message::StepOtherNetworkDesktop
            })],
            StepId::DisableVpn => self.disable_vpn(),
            StepId::DownForEveryone => self.down_for_everyone()?,
            StepId::Wait => self.wait(),
            StepId::ContactSupport => self.contact_support()?,
            StepId::UseMirror => self.use_mirror()?,
        })
    }

    fn clear_cache(&self) -> Vec<Detail> {
        let mut details = vec![Detail::Text(Message::StepClearCacheDetail)];
        match clear_cache_menu(self.os, self.browser) {
            Some(path) => {
                details.push(Detail::Text(Message::MenuPathLabel));
                details.push(Detail::Menu(path));
            }
            None => details.push(Detail::Text(Message::StepClearCacheOther)),
        }
        if let Some(keys) = clear_cache_keys(self.os, self.browser) {
            details.push(Detail::Text(Message::KeysLabel));
            details.push(Detail::Keys(keys));
        }
        details
    }

    fn disable_vpn(&self) -> Vec<Detail> {
        use Message::*;
        let mut details = vec![Detail::Text(StepDisableVpnDetail)];
        let paths: &[&'static [Message]] = match self.os {
            Os::Windows => &[
                &[MenuSettings, MenuNetworkInternet, MenuVpn],
                &[MenuSettings, MenuNetworkInternet, MenuProxy],
            ],
            Os::MacOs => &[
                &[MenuSystemSettings, MenuVpn],
                &[MenuSystemSettings, MenuNetwork],
            ],
            Os::Linux => &[&[MenuSettings, MenuNetwork]],
            Os::ChromeOs => &[&[MenuSettings, MenuNetwork]],
            // Samsung Internet runs on Samsung phones, whose settings are laid out differently.
            Os::Android if self.browser == Browser::SamsungInternet => &[&[
                MenuSettings,
                MenuConnections,
                MenuMoreConnectionSettings,
                MenuVpn,
            ]],
            Os::Android => &[&[MenuSettings, MenuNetworkInternet, MenuVpn]],
            Os::Ios | Os::IpadOs => &[&[MenuSettingsApp, MenuGeneral, MenuVpnDeviceManagement]],
            Os::Unknown => &[],
        };
        for &path in paths {
            details.push(Detail::Text(MenuPathLabel));
            details.push(Detail::Menu(path));
        }
        if self.browser == Browser::Firefox && !self.os.is_mobile() {
            // Firefox can have a proxy of its own, apart from the system's.
            details.push(Detail::Text(StepDisableVpnFirefox));
            details.push(Detail::Menu(&[
                MenuSettings,
                MenuGeneral,
                MenuFirefoxNetworkSettings,
            ]));
        }
        details
    }

    fn down_for_everyone(&self) -> Option<Vec<Detail>> {
        let host = self.visit.host.as_str();
        if host.is_empty() {
            return None;
        }
        let link = |prefix: &str, suffix: &str, name: &str| {
            let mut href = String::from(prefix);
            push_percent_encoded(&mut href, host);
            href.push_str(suffix);
            Detail::Link(Link {
                href,
                label: Label::Verbatim(name.to_owned()),
            })
        };
        Some(vec![
            Detail::Text(Message::StepDownForEveryoneDetail),
            link(
                "https://downforeveryoneorjustme.com/",
                "",
                "Down for Everyone or Just Me",
            ),
            link(
                "https://www.isitdownrightnow.com/",
                ".html",
                "Is It Down Right Now?",
            ),
            link("https://downdetector.com/search/?q=", "", "Downdetector"),
        ])
    }

    fn wait(&self) -> Vec<Detail> {
        let why = match self.diagnosis.verdict {
            Verdict::Maintenance => Message::StepWaitMaintenance,
            Verdict::KnownIncident => Message::StepWaitIncident,
            Verdict::AppOverloaded => Message::StepWaitOverloaded,
            Verdict::Blocked if self.rate_limited => Message::StepWaitRateLimited,
            _ => Message::StepWaitDetail,
        };
        let mut details = vec![Detail::Text(why), Detail::Countdown];
        if let Some(url) = self.diagnosis.incident.as_ref().and_then(|i| i.url.clone()) {
            details.push(Detail::Link(Link {
                href: url,
                label: Label::Message(Message::IncidentLink),
            }));
        }
        details
    }

    fn contact_support(&self) -> Option<Vec<Detail>> {
        let support = &self.config.support;
        if support.email.is_none() && support.url.is_none() && support.social.is_empty() {
            return None;
        }
        let mut details = vec![Detail::Text(Message::StepContactSupportDetail)];
        if let Some(id) = &self.visit.request_id {
            details.push(Detail::Text(Message::StepContactSupportQuote));
            details.push(Detail::Code(id.clone()));
        }
        if let Some(email) = &support.email {
            details.push(Detail::Link(Link {
                href: concat("mailto:", email),
                label: Label::Verbatim(email.clone()),
            }));
        }
        if let Some(url) = &support.url {
            details.push(Detail::Link(Link {
                href: url.clone(),
                label: Label::Message(Message::StepContactSupportPage),
            }));
        }
        if !support.social.is_empty() {
            details.push(Detail::Text(Message::StepContactSupportSocial));
            for social in &support.social {
                details.push(Detail::Link(Link {
                    href: social.url.clone(),
                    label: Label::Verbatim(social.name.clone()),
                }));
            }
        }
        Some(details)
    }

    fn use_mirror(&self) -> Option<Vec<Detail>> {
        // Only the operator's own list is a target: status page data never names where to go.
        let alternate = self.config.alternates.get(self.diagnosis.alternate_up?)?;
        Some(vec![
            Detail::Text(Message::StepUseMirrorDetail),
            Detail::Link(Link {
                href: alternate.url.clone(),
                label: Label::Verbatim(alternate.name.clone()),
            }),
        ])
    }
}

fn refresh_keys(os: Os) -> Option<&'static [KeyCombo]> {
    use Key::*;
    match os {
        Os::Windows | Os::Linux => Some(&[&[F5], &[Ctrl, R]]),
        Os::ChromeOs => Some(&[&[Ctrl, R]]),
        Os::MacOs => Some(&[&[Cmd, R]]),
        Os::Android | Os::Ios | Os::IpadOs | Os::Unknown => None,
    }
}

fn hard_refresh_keys(os: Os, browser: Browser) -> Option<&'static [KeyCombo]> {
    use Key::*;
    match os {
        Os::Windows => Some(&[&[Ctrl, F5], &[Ctrl, Shift, R]]),
        Os::Linux => Some(&[&[Ctrl, Shift, R], &[Ctrl, F5]]),
        Os::ChromeOs => Some(&[&[Ctrl, Shift, R]]),
        // Safari has no Cmd+Shift+R reload; Cmd+Option+R reloads from the server.
        Os::MacOs if browser == Browser::Safari => Some(&[&[Cmd, Option, R]]),
        Os::MacOs => Some(&[&[Cmd, Shift, R]]),
        Os::Android | Os::Ios | Os::IpadOs | Os::Unknown => None,
    }
}

/// The menu path to "delete browsing data" in this browser on this kind of device.
fn clear_cache_menu(os: Os, browser: Browser) -> Option<&'static [Message]> {
    use Message::*;
    let mobile = os.is_mobile();
    let apple_mobile = matches!(os, Os::Ios | Os::IpadOs);
    Some(match browser {
        Browser::Chrome if apple_mobile => &[
            MenuDotsHorizontal,
            MenuSettings,
            MenuPrivacyAndSecurity,
            MenuDeleteBrowsingData,
        ],
        Browser::Chrome => &[
            MenuDotsVertical,
            MenuSettings,
            MenuPrivacyAndSecurity,
            MenuDeleteBrowsingData,
        ],
        Browser::Edge if mobile => &[
            MenuDotsHorizontal,
            MenuSettings,
            MenuPrivacyAndSecurity,
            MenuClearBrowsingData,
        ],
        Browser::Edge => &[
            MenuDotsHorizontal,
            MenuSettings,
            MenuPrivacySearchServices,
            MenuClearBrowsingData,
        ],
        Browser::Firefox if apple_mobile => &[
            MenuLines,
            MenuSettings,
            MenuDataManagement,
            MenuClearPrivateData,
        ],
        Browser::Firefox if mobile => &[MenuDotsVertical, MenuSettings, MenuDeleteBrowsingData],
        Browser::Firefox => &[
            MenuLines,
            MenuSettings,
            MenuFirefoxPrivacySecurity,
            MenuCookiesSiteData,
            MenuClearData,
        ],
        // On iPhone and iPad, Safari's data is cleared from the Settings app, not from Safari.
        Browser::Safari if apple_mobile => &[
            MenuSettingsApp,
            MenuApps,
            MenuSafari,
            MenuClearHistoryWebsiteData,
        ],
        Browser::Safari => &[MenuSafari, MenuSettings, MenuPrivacy, MenuManageWebsiteData],
        Browser::Opera if mobile => &[MenuSettings, MenuPrivacy, MenuClearBrowsingData],
        Browser::Opera => &[MenuSettings, MenuPrivacyAndSecurity, MenuDeleteBrowsingData],
        Browser::SamsungInternet => &[
            MenuLines,
            MenuSettings,
            MenuPersonalBrowsingData,
            MenuDeleteBrowsingData,
        ],
        Browser::Other => return None,
    })
}

fn clear_cache_keys(os: Os, browser: Browser) -> Option<&'static [KeyCombo]> {
    use Key::*;
    let chromium_or_firefox = matches!(
        browser,
        Browser::Chrome | Browser::Edge | Browser::Firefox | Browser::Opera
    );
    match os {
        Os::Windows | Os::Linux | Os::ChromeOs if chromium_or_firefox => {
            Some(&[&[Ctrl, Shift, Delete]])
        }
        Os::MacOs if chromium_or_firefox => Some(&[&[Cmd, Shift, MacDelete]]),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The operator's checklist.

/// The stable ids of the operator's checks (`data-check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckId {
    HostingSupport,
    Logs,
    UpstreamStatus,
    UpstreamConnection,
    UpstreamConfig,
    Restart,
    Timeouts,
    Htaccess,
    HeavyScripts,
    Firewall,
    Dns,
    Resources,
    Services,
    Updates,
}

impl CheckId {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::HostingSupport => "hosting-support",
            CheckId::Logs => "logs",
            CheckId::UpstreamStatus => "upstream-status",
            CheckId::UpstreamConnection => "upstream-connection",
            CheckId::UpstreamConfig => "upstream-config",
            CheckId::Restart => "restart",
            CheckId::Timeouts => "timeouts",
            CheckId::Htaccess => "htaccess",
            CheckId::HeavyScripts => "heavy-scripts",
            CheckId::Firewall => "firewall",
            CheckId::Dns => "dns",
            CheckId::Resources => "resources",
            CheckId::Services => "services",
            CheckId::Updates => "updates",
        }
    }

    fn title(self) -> Message {
        match self {
            CheckId::HostingSupport => Message::CheckHostingSupportTitle,
            CheckId::Logs => Message::CheckLogsTitle,
            CheckId::UpstreamStatus => Message::CheckUpstreamStatusTitle,
            CheckId::UpstreamConnection => Message::CheckUpstreamConnectionTitle,
            CheckId::UpstreamConfig => Message::CheckUpstreamConfigTitle,
            CheckId::Restart => Message::CheckRestartTitle,
            CheckId::Timeouts => Message::CheckTimeoutsTitle,
            CheckId::Htaccess => Message::CheckHtaccessTitle,
            CheckId::HeavyScripts => Message::CheckHeavyScriptsTitle,
            CheckId::Firewall => Message::CheckFirewallTitle,
            CheckId::Dns => Message::CheckDnsTitle,
            CheckId::Resources => Message::CheckResourcesTitle,
            CheckId::Services => Message::CheckServicesTitle,
            CheckId::Updates => Message::CheckUpdatesTitle,
        }
    }
}

/// One item of the operator's checklist: same shape as a visitor's step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub id: CheckId,
    pub title: Message,
    pub details: Vec<Detail>,
}

/// The operator's checklist for their server, application and hosting; empty unless the
/// operator enabled it (`operator.enabled`), because visitors should not need to read it.
pub fn operator_checklist(config: &Config) -> Vec<Check> {
    let operator = &config.operator;
    if !operator.enabled {
        return Vec::new();
    }
    let (server, upstream) = (operator.server, operator.upstream);
    let php = upstream == UpstreamKind::PhpFpm;
    let ids: &[CheckId] = match operator.hosting {
        HostingKind::Shared => &[
            CheckId::HostingSupport,
            CheckId::Logs,
            CheckId::Htaccess,
            CheckId::HeavyScripts,
        ],
        HostingKind::Vps => &[
            CheckId::Logs,
            CheckId::UpstreamStatus,
            CheckId::UpstreamConnection,
            CheckId::UpstreamConfig,
            CheckId::Restart,
            CheckId::Timeouts,
            CheckId::Firewall,
            CheckId::Resources,
            CheckId::Updates,
        ],
        HostingKind::Dedicated => &[
            CheckId::Logs,
            CheckId::UpstreamStatus,
            CheckId::UpstreamConnection,
            CheckId::UpstreamConfig,
            CheckId::Restart,
            CheckId::Timeouts,
            CheckId::Firewall,
            CheckId::Dns,
            CheckId::Resources,
            CheckId::Services,
            CheckId::Updates,
        ],
    };
    let shared = operator.hosting == HostingKind::Shared;
    // A plain loop, not `filter` + `map` + `collect`: smaller in the wasm.
    let mut checks = Vec::new();
    for &id in ids {
        let applies = match id {
            // .htaccess is Apache's; heavy scripts hit PHP's time limit.
            CheckId::Htaccess => server == ServerKind::Apache,
            CheckId::HeavyScripts => php || upstream == UpstreamKind::Other,
            _ => true,
        };
        if applies {
            checks.push(Check {
                id,
                title: id.title(),
                details: check_details(id, server, upstream, shared),
            });
        }
    }
    checks
}

fn check_details(
    id: CheckId,
    server: ServerKind,
    upstream: UpstreamKind,
    shared: bool,
) -> Vec<Detail> {
    use Detail::{Command, ConfigSnippet, Text};
    use Message::*;
    let service_note = Text(CheckServiceNameNote);
    let php = upstream == UpstreamKind::PhpFpm;
    match id {
        CheckId::HostingSupport => vec![Text(CheckHostingSupportDetail)],
        CheckId::Logs if shared => vec![Text(CheckLogsSharedDetail)],
        CheckId::Logs => vec![
            Text(CheckLogsDetail),
            Command(match server {
                ServerKind::Nginx => "sudo tail -f /var/log/nginx/error.log",
                ServerKind::Apache => "sudo tail -f /var/log/apache2/error.log",
                ServerKind::Caddy => "sudo journalctl -u caddy -f",
                ServerKind::Haproxy => "sudo journalctl -u haproxy -f",
                ServerKind::Traefik => "sudo journalctl -u traefik -f",
            }),
            Command(match upstream {
                UpstreamKind::PhpFpm => "sudo tail -f /var/log/php8.2-fpm.log",
                UpstreamKind::Node | UpstreamKind::Other => "sudo journalctl -u your-app -f",
                UpstreamKind::Python => "sudo journalctl -u gunicorn -f",
            }),
            service_note,
        ],
        CheckId::UpstreamStatus => vec![
            Text(CheckUpstreamStatusDetail),
            Command(match upstream {
                UpstreamKind::PhpFpm => "sudo systemctl status php8.2-fpm",
                UpstreamKind::Node | UpstreamKind::Other => "sudo systemctl status your-app",
                UpstreamKind::Python => "sudo systemctl status gunicorn",
            }),
            service_note,
        ],
        CheckId::UpstreamConnection => match upstream {
            UpstreamKind::PhpFpm => vec![
                Text(CheckUpstreamConnectionPhp),
                Command("ls -l /run/php/"),
                Command("sudo ss -ltnp | grep 9000"),
            ],
            _ => vec![
                Text(CheckUpstreamConnectionDetail),
                Command(match upstream {
                    UpstreamKind::Node => "curl -I http://127.0.0.1:3000",
                    UpstreamKind::Python => "curl -I http://127.0.0.1:8000",
                    _ => "curl -I http://127.0.0.1:8080",
                }),
            ],
        },
        CheckId::UpstreamConfig => vec![
            Text(CheckUpstreamConfigDetail),
            Command(match server {
                ServerKind::Nginx => {
                    "sudo nginx -T | grep -nE 'upstream|server |proxy_pass|fastcgi_pass'"
                }
                ServerKind::Apache => "sudo grep -rnE 'ProxyPass|SetHandler' /etc/apache2/",
                ServerKind::Caddy => "grep -nE 'reverse_proxy|php_fastcgi' /etc/caddy/Caddyfile",
                ServerKind::Haproxy => "grep -nE '^ *(backend|server) ' /etc/haproxy/haproxy.cfg",
                ServerKind::Traefik => "sudo grep -rniE 'loadbalancer|url' /etc/traefik/",
            }),
        ],
        CheckId::Restart => vec![
            Text(CheckRestartDetail),
            Command(match upstream {
                UpstreamKind::PhpFpm => "sudo systemctl restart php8.2-fpm",
                UpstreamKind::Node | UpstreamKind::Other => "sudo systemctl restart your-app",
                UpstreamKind::Python => "sudo systemctl restart gunicorn",
            }),
            Command(match server {
                ServerKind::Nginx => "sudo nginx -t && sudo systemctl reload nginx",
                ServerKind::Apache => "sudo apachectl configtest && sudo systemctl reload apache2",
                ServerKind::Caddy => {
                    "caddy validate --config /etc/caddy/Caddyfile && sudo systemctl reload caddy"
                }
                ServerKind::Haproxy => {
                    "sudo haproxy -c -f /etc/haproxy/haproxy.cfg && sudo systemctl reload haproxy"
                }
                ServerKind::Traefik => "sudo systemctl restart traefik",
            }),
            service_note,
        ],
        CheckId::Timeouts => {
            let mut details = vec![
                Text(CheckTimeoutsDetail),
                ConfigSnippet(match (server, php) {
                    (ServerKind::Nginx, true) => "fastcgi_send_timeout 60s;\nfastcgi_read_timeout 60s;",
                    (ServerKind::Nginx, false) => {
                        "proxy_connect_timeout 60s;\nproxy_send_timeout 60s;\nproxy_read_timeout 60s;"
                    }
                    (ServerKind::Apache, _) => "ProxyTimeout 60",
                    (ServerKind::Caddy, _) => {
                        "reverse_proxy 127.0.0.1:8080 {\n\ttransport http {\n\t\tresponse_header_timeout 60s\n\t}\n}"
                    }
                    (ServerKind::Haproxy, _) => "timeout connect 5s\ntimeout server 60s",
                    (ServerKind::Traefik, _) => {
                        "serversTransport:\n  forwardingTimeouts:\n    responseHeaderTimeout: 60s"
                    }
                }),
            ];
            if php {
                details.push(Text(CheckTimeoutsPhp));
                details.push(ConfigSnippet("request_terminate_timeout = 60s"));
            }
            details
        }
        CheckId::Htaccess => vec![
            Text(CheckHtaccessDetail),
            Command("mv .htaccess .htaccess.off"),
        ],
        CheckId::HeavyScripts => vec![Text(CheckHeavyScriptsDetail)],
        CheckId::Firewall => vec![
            Text(CheckFirewallDetail),
            Command("sudo ufw status verbose"),
            Command("sudo iptables -L -n"),
        ],
        CheckId::Dns => vec![Text(CheckDnsDetail), Command("dig +short yourdomain.com")],
        CheckId::Resources => vec![
            Text(CheckResourcesDetail),
            Command("top"),
            Command("free -m"),
            Command("df -h"),
            Command("sudo dmesg -T | grep -i 'out of memory'"),
        ],
        CheckId::Services => vec![
            Text(CheckServicesDetail),
            Command("sudo systemctl status mysql redis-server"),
            Command("sudo systemctl restart mysql"),
        ],
        CheckId::Updates => vec![
            Text(CheckUpdatesDetail),
            Command("sudo apt update && sudo apt upgrade"),
        ],
    }
}
