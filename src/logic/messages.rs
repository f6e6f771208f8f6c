//! Every text the widget shows, per locale.
//!
//! One enum of message ids and one exhaustive `match` per locale: a missing translation is a
//! compile error, not a blank label in front of a stressed visitor.

mod ar;
mod de;
mod en;
mod es;
mod fr;
mod it;
mod ja;
mod nl;
mod pl;
mod pt;
mod ru;
mod uk;
mod zh;

/// Supported languages. Adding one: a variant here and a file under `messages/` whose `match` covers
/// every [`Message`] (the compiler refuses a missing one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    /// English
    En,
    /// German
    De,
    /// French
    Fr,
    /// Spanish
    Es,
    /// Italian
    It,
    /// Portuguese
    Pt,
    /// Dutch
    Nl,
    /// Polish
    Pl,
    /// Russian
    Ru,
    /// Ukrainian
    Uk,
    /// Chinese (Simplified)
    Zh,
    /// Japanese
    Ja,
    /// Arabic
    Ar,
}

impl Locale {
    pub const ALL: [Locale; 13] = [
        Locale::En,
        Locale::De,
        Locale::Fr,
        Locale::Es,
        Locale::It,
        Locale::Pt,
        Locale::Nl,
        Locale::Pl,
        Locale::Ru,
        Locale::Uk,
        Locale::Zh,
        Locale::Ja,
        Locale::Ar,
    ];
    /// For warnings: the accepted `locale` values.
    pub const TAGS: &'static str =
        "\"en\", \"de\", \"fr\", \"es\", \"it\", \"pt\", \"nl\", \"pl\", \"ru\", \"uk\", \"zh\", \"ja\", \"ar\"";

    /// The BCP 47 tag for `lang` attributes and bundle file names.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Es => "es",
            Locale::It => "it",
            Locale::Pt => "pt",
            Locale::Nl => "nl",
            Locale::Pl => "pl",
            Locale::Ru => "ru",
            Locale::Uk => "uk",
            Locale::Zh => "zh",
            Locale::Ja => "ja",
            Locale::Ar => "ar",
        }
    }

    /// The language's own name, for a language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::De => "Deutsch",
            Locale::Fr => "Français",
            Locale::Es => "Español",
            Locale::It => "Italiano",
            Locale::Pt => "Português",
            Locale::Nl => "Nederlands",
            Locale::Pl => "Polski",
            Locale::Ru => "Русский",
            Locale::Uk => "Українська",
            Locale::Zh => "中文",
            Locale::Ja => "日本語",
            Locale::Ar => "العربية",
        }
    }

    pub fn is_right_to_left(self) -> bool {
        matches!(self, Locale::Ar)
    }

    /// Matches a language tag by its primary subtag, case-insensitively (`en-GB` → English).
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let end = tag.bytes().position(|b| b == b'-' || b == b'_');
        let primary = tag.get(..end.unwrap_or(tag.len())).unwrap_or("");
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The first supported language in the visitor's preference order, else English.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Locale {
        preferred
            .into_iter()
            .find_map(Locale::from_tag)
            .unwrap_or(Locale::En)
    }
}

/// Texts of the recovery widget. `{}` marks where a number goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    StatusWaiting,
    /// The same when the page will not reload by itself (the request was not a GET, or unknown).
    StatusWaitingManual,
    StatusChecking,
    StatusPausedHidden,
    StatusPausedOffline,
    StatusFollowing,
    /// The same when the page will not reload by itself.
    StatusFollowingManual,
    StatusWaitingRetryAfter,
    StatusRecovered,
    StatusManual,
    StatusStopped,
    /// Health says the site is back; this tab waits for its turn (the stagger slot).
    StatusComingBack,
    /// The same when the page will not reload by itself: it checks the page in its turn, then
    /// hands the reload to the visitor.
    StatusComingBackManual,
    CountdownSeconds,
    /// The same for waits of more than two minutes (a long `Retry-After`), in whole minutes.
    CountdownMinutes,
    CountdownReturn,
    CheckNow,
    ReloadNow,
    // The page's own heading, set by the widget when it speaks another language than the page.
    PageBadge,
    PageHeading,
    PageLede,
    /// The badge once the site is back (the page's header follows the widget's state).
    PageBadgeBack,
    /// "Error" before the status number in the page's badge.
    PageError,
    /// Labels of the request reference and time under the steps.
    PageReference,
    PageTime,
    // Headings and report button.
    DiagnosisHeading,
    StepsHeading,
    OperatorHeading,
    ReportCopy,
    ReportCopied,
    // Verdicts: a title and one short explanation each.
    VerdictVisitorOfflineTitle,
    VerdictVisitorOfflineDetail,
    VerdictVisitorNetworkTitle,
    VerdictVisitorNetworkDetail,
    VerdictGatewayDownTitle,
    VerdictGatewayDownDetail,
    VerdictAppDownTitle,
    VerdictAppDownDetail,
    VerdictAppOverloadedTitle,
    VerdictAppOverloadedDetail,
    VerdictMaintenanceTitle,
    VerdictMaintenanceDetail,
    VerdictKnownIncidentTitle,
    VerdictKnownIncidentDetail,
    VerdictBlockedTitle,
    VerdictBlockedDetail,
    VerdictRecoveredTitle,
    VerdictRecoveredDetail,
    VerdictUnknownTitle,
    VerdictUnknownDetail,
    // The hop diagram: hop names and marks.
    HopYou,
    HopNetwork,
    HopGateway,
    HopApplication,
    HopOk,
    HopFailed,
    HopDegraded,
    HopMaintenance,
    HopUnknown,
    // The status page's incident.
    IncidentStarted,
    IncidentUpdated,
    IncidentLink,
    IncidentUntitled,
    // Shared labels of step details.
    KeysLabel,
    MenuPathLabel,
    // Keys (translate as printed on keyboards in the language, e.g. Strg).
    KeyCtrl,
    KeyShift,
    KeyCmd,
    KeyOption,
    KeyF5,
    KeyR,
    KeyDelete,
    /// The Mac key that erases backwards (labelled "delete" on Mac keyboards, ⌫ in most languages).
    KeyMacDelete,
    // Menu and settings entries (translate exactly as the browser or system shows them in the language).
    MenuDotsVertical,
    MenuDotsHorizontal,
    MenuLines,
    MenuSettings,
    MenuSettingsApp,
    MenuSystemSettings,
    MenuApps,
    MenuGeneral,
    MenuSafari,
    MenuPrivacy,
    MenuPrivacyAndSecurity,
    MenuFirefoxPrivacySecurity,
    MenuPrivacySearchServices,
    MenuDeleteBrowsingData,
    MenuClearBrowsingData,
    MenuCookiesSiteData,
    MenuClearData,
    MenuManageWebsiteData,
    MenuClearHistoryWebsiteData,
    MenuPersonalBrowsingData,
    MenuDataManagement,
    MenuClearPrivateData,
    MenuNetwork,
    MenuNetworkInternet,
    MenuConnections,
    MenuMoreConnectionSettings,
    MenuVpn,
    MenuVpnDeviceManagement,
    MenuProxy,
    MenuFirefoxNetworkSettings,
    // Visitor steps.
    StepRefreshTitle,
    StepRefreshDetail,
    StepRefreshTouch,
    StepRefreshButton,
    StepHardRefreshTitle,
    StepHardRefreshDetail,
    StepHardRefreshButton,
    StepAnotherBrowserTitle,
    StepAnotherBrowserDetail,
    StepClearCacheTitle,
    StepClearCacheDetail,
    StepClearCacheOther,
    StepRestartRouterTitle,
    StepRestartRouterDetail,
    StepOtherNetworkTitle,
    StepOtherNetworkMobile,
    StepOtherNetworkDesktop,
    StepDisableVpnTitle,
    StepDisableVpnDetail,
    StepDisableVpnFirefox,
    StepDownForEveryoneTitle,
    StepDownForEveryoneDetail,
    StepWaitTitle,
    StepWaitDetail,
    StepWaitMaintenance,
    StepWaitIncident,
    StepWaitOverloaded,
    StepWaitRateLimited,
    StepContactSupportTitle,
    StepContactSupportDetail,
    StepContactSupportQuote,
    StepContactSupportPage,
    StepContactSupportSocial,
    StepUseMirrorTitle,
    StepUseMirrorDetail,
    // The operator's checklist.
    CheckHostingSupportTitle,
    CheckHostingSupportDetail,
    CheckLogsTitle,
    CheckLogsDetail,
    CheckLogsSharedDetail,
    CheckServiceNameNote,
    CheckUpstreamStatusTitle,
    CheckUpstreamStatusDetail,
    CheckUpstreamConnectionTitle,
    CheckUpstreamConnectionDetail,
    CheckUpstreamConnectionPhp,
    CheckUpstreamConfigTitle,
    CheckUpstreamConfigDetail,
    CheckRestartTitle,
    CheckRestartDetail,
    CheckTimeoutsTitle,
    CheckTimeoutsDetail,
    CheckTimeoutsPhp,
    CheckHtaccessTitle,
    CheckHtaccessDetail,
    CheckHeavyScriptsTitle,
    CheckHeavyScriptsDetail,
    CheckFirewallTitle,
    CheckFirewallDetail,
    CheckDnsTitle,
    CheckDnsDetail,
    CheckResourcesTitle,
    CheckResourcesDetail,
    CheckServicesTitle,
    CheckServicesDetail,
    CheckUpdatesTitle,
    CheckUpdatesDetail,
}

pub fn text(locale: Locale, message: Message) -> &'static str {
    match locale {
        Locale::En => en::text(message),
        Locale::De => de::text(message),
        Locale::Fr => fr::text(message),
        Locale::Es => es::text(message),
        Locale::It => it::text(message),
        Locale::Pt => pt::text(message),
        Locale::Nl => nl::text(message),
        Locale::Pl => pl::text(message),
        Locale::Ru => ru::text(message),
        Locale::Uk => uk::text(message),
        Locale::Zh => zh::text(message),
        Locale::Ja => ja::text(message),
        Locale::Ar => ar::text(message),
    }
}

impl Message {
    /// Every message, in declaration order: operators' overrides are looked up here by id.
    /// A test checks that it matches the enum.
    pub const ALL: [Message; 170] = {
        use Message::*;
        [
            StatusWaiting,
            StatusWaitingManual,
            StatusChecking,
            StatusPausedHidden,
            StatusPausedOffline,
            StatusFollowing,
            StatusFollowingManual,
            StatusWaitingRetryAfter,
            StatusRecovered,
            StatusManual,
            StatusStopped,
            StatusComingBack,
            StatusComingBackManual,
            CountdownSeconds,
            CountdownMinutes,
            CountdownReturn,
            CheckNow,
            ReloadNow,
            PageBadge,
            PageHeading,
            PageLede,
            PageBadgeBack,
            PageError,
            PageReference,
            PageTime,
            DiagnosisHeading,
            StepsHeading,
            OperatorHeading,
            ReportCopy,
            ReportCopied,
            VerdictVisitorOfflineTitle,
            VerdictVisitorOfflineDetail,
            VerdictVisitorNetworkTitle,
            VerdictVisitorNetworkDetail,
            VerdictGatewayDownTitle,
            VerdictGatewayDownDetail,
            VerdictAppDownTitle,
            VerdictAppDownDetail,
            VerdictAppOverloadedTitle,
            VerdictAppOverloadedDetail,
            VerdictMaintenanceTitle,
            VerdictMaintenanceDetail,
            VerdictKnownIncidentTitle,
            VerdictKnownIncidentDetail,
            VerdictBlockedTitle,
            VerdictBlockedDetail,
            VerdictRecoveredTitle,
            VerdictRecoveredDetail,
            VerdictUnknownTitle,
            VerdictUnknownDetail,
            HopYou,
            HopNetwork,
            HopGateway,
            HopApplication,
            HopOk,
            HopFailed,
            HopDegraded,
            HopMaintenance,
            HopUnknown,
            IncidentStarted,
            IncidentUpdated,
            IncidentLink,
            IncidentUntitled,
            KeysLabel,
            MenuPathLabel,
            KeyCtrl,
            KeyShift,
            KeyCmd,
            KeyOption,
            KeyF5,
            KeyR,
            KeyDelete,
            KeyMacDelete,
            MenuDotsVertical,
            MenuDotsHorizontal,
            MenuLines,
            MenuSettings,
            MenuSettingsApp,
            MenuSystemSettings,
            MenuApps,
            MenuGeneral,
            MenuSafari,
            MenuPrivacy,
            MenuPrivacyAndSecurity,
            MenuFirefoxPrivacySecurity,
            MenuPrivacySearchServices,
            MenuDeleteBrowsingData,
            MenuClearBrowsingData,
            MenuCookiesSiteData,
            MenuClearData,
            MenuManageWebsiteData,
            MenuClearHistoryWebsiteData,
            MenuPersonalBrowsingData,
            MenuDataManagement,
            MenuClearPrivateData,
            MenuNetwork,
            MenuNetworkInternet,
            MenuConnections,
            MenuMoreConnectionSettings,
            MenuVpn,
            MenuVpnDeviceManagement,
            MenuProxy,
            MenuFirefoxNetworkSettings,
            StepRefreshTitle,
            StepRefreshDetail,
            StepRefreshTouch,
            StepRefreshButton,
            StepHardRefreshTitle,
            StepHardRefreshDetail,
            StepHardRefreshButton,
            StepAnotherBrowserTitle,
            StepAnotherBrowserDetail,
            StepClearCacheTitle,
            StepClearCacheDetail,
            StepClearCacheOther,
            StepRestartRouterTitle,
            StepRestartRouterDetail,
            StepOtherNetworkTitle,
            StepOtherNetworkMobile,
            StepOtherNetworkDesktop,
            StepDisableVpnTitle,
            StepDisableVpnDetail,
            StepDisableVpnFirefox,
            StepDownForEveryoneTitle,
            StepDownForEveryoneDetail,
            StepWaitTitle,
            StepWaitDetail,
            StepWaitMaintenance,
            StepWaitIncident,
            StepWaitOverloaded,
            StepWaitRateLimited,
            StepContactSupportTitle,
            StepContactSupportDetail,
            StepContactSupportQuote,
            StepContactSupportPage,
            StepContactSupportSocial,
            StepUseMirrorTitle,
            StepUseMirrorDetail,
            CheckHostingSupportTitle,
            CheckHostingSupportDetail,
            CheckLogsTitle,
            CheckLogsDetail,
            CheckLogsSharedDetail,
            CheckServiceNameNote,
            CheckUpstreamStatusTitle,
            CheckUpstreamStatusDetail,
            CheckUpstreamConnectionTitle,
            CheckUpstreamConnectionDetail,
            CheckUpstreamConnectionPhp,
            CheckUpstreamConfigTitle,
            CheckUpstreamConfigDetail,
            CheckRestartTitle,
            CheckRestartDetail,
            CheckTimeoutsTitle,
            CheckTimeoutsDetail,
            CheckTimeoutsPhp,
            CheckHtaccessTitle,
            CheckHtaccessDetail,
            CheckHeavyScriptsTitle,
            CheckHeavyScriptsDetail,
            CheckFirewallTitle,
            CheckFirewallDetail,
            CheckDnsTitle,
            CheckDnsDetail,
            CheckResourcesTitle,
            CheckResourcesDetail,
            CheckServicesTitle,
            CheckServicesDetail,
            CheckUpdatesTitle,
            CheckUpdatesDetail,
        ]
    };

    /// The stable kebab-case id operators use to override a text (`messages` in the config).
    pub fn id(self) -> &'static str {
        use Message::*;
        match self {
            StatusWaiting => "status-waiting",
            StatusWaitingManual => "status-waiting-manual",
            StatusChecking => "status-checking",
            StatusPausedHidden => "status-paused-hidden",
            StatusPausedOffline => "status-paused-offline",
            StatusFollowing => "status-following",
            StatusFollowingManual => "status-following-manual",
            StatusWaitingRetryAfter => "status-waiting-retry-after",
            StatusRecovered => "status-recovered",
            StatusManual => "status-manual",
            StatusStopped => "status-stopped",
            StatusComingBack => "status-coming-back",
            StatusComingBackManual => "status-coming-back-manual",
            CountdownSeconds => "countdown-seconds",
            CountdownMinutes => "countdown-minutes",
            CountdownReturn => "countdown-return",
            CheckNow => "check-now",
            ReloadNow => "reload-now",
            PageBadge => "page-badge",
            PageHeading => "page-heading",
            PageLede => "page-lede",
            PageBadgeBack => "page-badge-back",
            PageError => "page-error",
            PageReference => "page-reference",
            PageTime => "page-time",
            DiagnosisHeading => "diagnosis-heading",
            StepsHeading => "steps-heading",
            OperatorHeading => "operator-heading",
            ReportCopy => "report-copy",
            ReportCopied => "report-copied",
            VerdictVisitorOfflineTitle => "verdict-visitor-offline-title",
            VerdictVisitorOfflineDetail => "verdict-visitor-offline-detail",
            VerdictVisitorNetworkTitle => "verdict-visitor-network-title",
            VerdictVisitorNetworkDetail => "verdict-visitor-network-detail",
            VerdictGatewayDownTitle => "verdict-gateway-down-title",
            VerdictGatewayDownDetail => "verdict-gateway-down-detail",
            VerdictAppDownTitle => "verdict-app-down-title",
            VerdictAppDownDetail => "verdict-app-down-detail",
            VerdictAppOverloadedTitle => "verdict-app-overloaded-title",
            VerdictAppOverloadedDetail => "verdict-app-overloaded-detail",
            VerdictMaintenanceTitle => "verdict-maintenance-title",
            VerdictMaintenanceDetail => "verdict-maintenance-detail",
            VerdictKnownIncidentTitle => "verdict-known-incident-title",
            VerdictKnownIncidentDetail => "verdict-known-incident-detail",
            VerdictBlockedTitle => "verdict-blocked-title",
            VerdictBlockedDetail => "verdict-blocked-detail",
            VerdictRecoveredTitle => "verdict-recovered-title",
            VerdictRecoveredDetail => "verdict-recovered-detail",
            VerdictUnknownTitle => "verdict-unknown-title",
            VerdictUnknownDetail => "verdict-unknown-detail",
            HopYou => "hop-you",
            HopNetwork => "hop-network",
            HopGateway => "hop-gateway",
            HopApplication => "hop-application",
            HopOk => "hop-ok",
            HopFailed => "hop-failed",
            HopDegraded => "hop-degraded",
            HopMaintenance => "hop-maintenance",
            HopUnknown => "hop-unknown",
            IncidentStarted => "incident-started",
            IncidentUpdated => "incident-updated",
            IncidentLink => "incident-link",
            IncidentUntitled => "incident-untitled",
            KeysLabel => "keys-label",
            MenuPathLabel => "menu-path-label",
            KeyCtrl => "key-ctrl",
            KeyShift => "key-shift",
            KeyCmd => "key-cmd",
            KeyOption => "key-option",
            KeyF5 => "key-f5",
            KeyR => "key-r",
            KeyDelete => "key-delete",
            KeyMacDelete => "key-mac-delete",
            MenuDotsVertical => "menu-dots-vertical",
            MenuDotsHorizontal => "menu-dots-horizontal",
            MenuLines => "menu-lines",
            MenuSettings => "menu-settings",
            MenuSettingsApp => "menu-settings-app",
            MenuSystemSettings => "menu-system-settings",
            MenuApps => "menu-apps",
            MenuGeneral => "menu-general",
            MenuSafari => "menu-safari",
            MenuPrivacy => "menu-privacy",
            MenuPrivacyAndSecurity => "menu-privacy-and-security",
            MenuFirefoxPrivacySecurity => "menu-firefox-privacy-security",
            MenuPrivacySearchServices => "menu-privacy-search-services",
            MenuDeleteBrowsingData => "menu-delete-browsing-data",
            MenuClearBrowsingData => "menu-clear-browsing-data",
            MenuCookiesSiteData => "menu-cookies-site-data",
            MenuClearData => "menu-clear-data",
            MenuManageWebsiteData => "menu-manage-website-data",
            MenuClearHistoryWebsiteData => "menu-clear-history-website-data",
            MenuPersonalBrowsingData => "menu-personal-browsing-data",
            MenuDataManagement => "menu-data-management",
            MenuClearPrivateData => "menu-clear-private-data",
            MenuNetwork => "menu-network",
            MenuNetworkInternet => "menu-network-internet",
            MenuConnections => "menu-connections",
            MenuMoreConnectionSettings => "menu-more-connection-settings",
            MenuVpn => "menu-vpn",
            MenuVpnDeviceManagement => "menu-vpn-device-management",
            MenuProxy => "menu-proxy",
            MenuFirefoxNetworkSettings => "menu-firefox-network-settings",
            StepRefreshTitle => "step-refresh-title",
            StepRefreshDetail => "step-refresh-detail",
            StepRefreshTouch => "step-refresh-touch",
            StepRefreshButton => "step-refresh-button",
            StepHardRefreshTitle => "step-hard-refresh-title",
            StepHardRefreshDetail => "step-hard-refresh-detail",
            StepHardRefreshButton => "step-hard-refresh-button",
            StepAnotherBrowserTitle => "step-another-browser-title",
            StepAnotherBrowserDetail => "step-another-browser-detail",
            StepClearCacheTitle => "step-clear-cache-title",
            StepClearCacheDetail => "step-clear-cache-detail",
            StepClearCacheOther => "step-clear-cache-other",
            StepRestartRouterTitle => "step-restart-router-title",
            StepRestartRouterDetail => "step-restart-router-detail",
            StepOtherNetworkTitle => "step-other-network-title",
            StepOtherNetworkMobile => "step-other-network-mobile",
            StepOtherNetworkDesktop => "step-other-network-desktop",
            StepDisableVpnTitle => "step-disable-vpn-title",
            StepDisableVpnDetail => "step-disable-vpn-detail",
            StepDisableVpnFirefox => "step-disable-vpn-firefox",
            StepDownForEveryoneTitle => "step-down-for-everyone-title",
            StepDownForEveryoneDetail => "step-down-for-everyone-detail",
            StepWaitTitle => "step-wait-title",
            StepWaitDetail => "step-wait-detail",
            StepWaitMaintenance => "step-wait-maintenance",
            StepWaitIncident => "step-wait-incident",
            StepWaitOverloaded => "step-wait-overloaded",
            StepWaitRateLimited => "step-wait-rate-limited",
            StepContactSupportTitle => "step-contact-support-title",
            StepContactSupportDetail => "step-contact-support-detail",
            StepContactSupportQuote => "step-contact-support-quote",
            StepContactSupportPage => "step-contact-support-page",
            StepContactSupportSocial => "step-contact-support-social",
            StepUseMirrorTitle => "step-use-mirror-title",
            StepUseMirrorDetail => "step-use-mirror-detail",
            CheckHostingSupportTitle => "check-hosting-support-title",
            CheckHostingSupportDetail => "check-hosting-support-detail",
            CheckLogsTitle => "check-logs-title",
            CheckLogsDetail => "check-logs-detail",
            CheckLogsSharedDetail => "check-logs-shared-detail",
            CheckServiceNameNote => "check-service-name-note",
            CheckUpstreamStatusTitle => "check-upstream-status-title",
            CheckUpstreamStatusDetail => "check-upstream-status-detail",
            CheckUpstreamConnectionTitle => "check-upstream-connection-title",
            CheckUpstreamConnectionDetail => "check-upstream-connection-detail",
            CheckUpstreamConnectionPhp => "check-upstream-connection-php",
            CheckUpstreamConfigTitle => "check-upstream-config-title",
            CheckUpstreamConfigDetail => "check-upstream-config-detail",
            CheckRestartTitle => "check-restart-title",
            CheckRestartDetail => "check-restart-detail",
            CheckTimeoutsTitle => "check-timeouts-title",
            CheckTimeoutsDetail => "check-timeouts-detail",
            CheckTimeoutsPhp => "check-timeouts-php",
            CheckHtaccessTitle => "check-htaccess-title",
            CheckHtaccessDetail => "check-htaccess-detail",
            CheckHeavyScriptsTitle => "check-heavy-scripts-title",
            CheckHeavyScriptsDetail => "check-heavy-scripts-detail",
            CheckFirewallTitle => "check-firewall-title",
            CheckFirewallDetail => "check-firewall-detail",
            CheckDnsTitle => "check-dns-title",
            CheckDnsDetail => "check-dns-detail",
            CheckResourcesTitle => "check-resources-title",
            CheckResourcesDetail => "check-resources-detail",
            CheckServicesTitle => "check-services-title",
            CheckServicesDetail => "check-services-detail",
            CheckUpdatesTitle => "check-updates-title",
            CheckUpdatesDetail => "check-updates-detail",
        }
    }

    /// The text has a `{}` where a number goes (in every language, a test checks).
    pub fn has_slot(self) -> bool {
        matches!(
            self,
            Message::CountdownSeconds | Message::CountdownMinutes | Message::CountdownReturn
        )
    }

    pub fn from_id(id: &str) -> Option<Message> {
        Message::ALL.into_iter().find(|m| m.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_preference_and_falls_back_to_english() {
        assert_eq!(Locale::negotiate(["xx", "EN-gb"]), Locale::En);
        assert_eq!(Locale::negotiate([]), Locale::En);
        assert_eq!(Locale::from_tag("tlh"), None);
    }

    #[test]
    fn every_language_is_really_translated() {
        // Keys, brand names and a few menu entries are legitimately the same as in English; a
        // language that mostly is (a placeholder delegating to English) is not translated.
        for locale in Locale::ALL.into_iter().filter(|l| *l != Locale::En) {
            let same = Message::ALL
                .into_iter()
                .filter(|&m| text(locale, m) == text(Locale::En, m))
                .count();
            assert!(
                same * 5 < Message::ALL.len(),
                "{locale:?}: {same} of {} texts are the English ones",
                Message::ALL.len()
            );
        }
    }

    #[test]
    fn every_message_has_a_unique_kebab_case_id_and_at_most_one_slot() {
        let mut seen = std::collections::HashSet::new();
        for (i, m) in Message::ALL.into_iter().enumerate() {
            // ALL in declaration order, without gaps: a variant missing from ALL shifts the rest.
            assert_eq!(m as usize, i, "{m:?} is out of place in Message::ALL");
            let id = m.id();
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id}"
            );
            assert_eq!(Message::from_id(id), Some(m));
            for locale in Locale::ALL {
                let t = text(locale, m);
                assert!(!t.is_empty(), "{locale:?} {id} is empty");
                assert_eq!(
                    t.matches("{}").count(),
                    usize::from(m.has_slot()),
                    "{locale:?} {id}: {t}"
                );
            }
        }
        assert_eq!(
            Message::from_id("step-refresh-title"),
            Some(Message::StepRefreshTitle)
        );
        assert_eq!(Message::from_id("no-such-message"), None);
    }
}
