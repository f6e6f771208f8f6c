//! The visitor's operating system and browser, from the user-agent string and platform hints, so
//! the steps can name the right keys and menus.
//!
//! User-agent strings are layered lies: Edge, Opera and Samsung Internet all say "Chrome", Chrome
//! says "Safari", every iPhone browser is Safari underneath, and iPadOS claims to be a Mac. So the
//! order of the checks below is the whole algorithm; each step says which liar it catches. A wrong
//! guess only costs a less fitting menu path, never a broken page.

use super::text::contains;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Os {
    Windows,
    MacOs,
    Linux,
    ChromeOs,
    Android,
    Ios,
    IpadOs,
    #[default]
    Unknown,
}

impl Os {
    pub const ALL: [Os; 8] = [
        Os::Windows,
        Os::MacOs,
        Os::Linux,
        Os::ChromeOs,
        Os::Android,
        Os::Ios,
        Os::IpadOs,
        Os::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Os::Windows => "windows",
            Os::MacOs => "macos",
            Os::Linux => "linux",
            Os::ChromeOs => "chromeos",
            Os::Android => "android",
            Os::Ios => "ios",
            Os::IpadOs => "ipados",
            Os::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Os> {
        Os::ALL.into_iter().find(|os| os.as_str() == name)
    }

    /// Phones and tablets: touch first, no function keys, different browser menus.
    pub fn is_mobile(self) -> bool {
        matches!(self, Os::Android | Os::Ios | Os::IpadOs)
    }

    /// Apple keyboards: Cmd instead of Ctrl.
    pub fn is_apple(self) -> bool {
        matches!(self, Os::MacOs | Os::Ios | Os::IpadOs)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Browser {
    Chrome,
    Edge,
    Firefox,
    Safari,
    Opera,
    SamsungInternet,
    #[default]
    Other,
}

impl Browser {
    pub const ALL: [Browser; 7] = [
        Browser::Chrome,
        Browser::Edge,
        Browser::Firefox,
        Browser::Safari,
        Browser::Opera,
        Browser::SamsungInternet,
        Browser::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Edge => "edge",
            Browser::Firefox => "firefox",
            Browser::Safari => "safari",
            Browser::Opera => "opera",
            Browser::SamsungInternet => "samsung-internet",
            Browser::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<Browser> {
        Browser::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

/// Where the visitor is looking at the page from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    pub os: Os,
    pub browser: Browser,
}

impl Environment {
    /// `user_agent` is `navigator.userAgent`; `platform` is `navigator.userAgentData.platform`
    /// or else `navigator.platform` (empty when unknown); `max_touch_points` is
    /// `navigator.maxTouchPoints`, the only way to tell an iPad from a Mac.
    pub fn detect(user_agent: &str, platform: &str, max_touch_points: u32) -> Environment {
        let os = refine_with_platform(
            os_from_user_agent(user_agent, max_touch_points),
            platform,
            max_touch_points,
        );
        Environment {
            os,
            browser: browser_from_user_agent(user_agent),
        }
    }
}

fn os_from_user_agent(ua: &str, max_touch_points: u32) -> Os {
    let has = |token: &str| contains(ua, token);
    if has("Windows Phone") {
        // Says "Android" and "iPhone" for compatibility; none of our paths fit it.
        Os::Unknown
    } else if has("CrOS") {
        Os::ChromeOs
    } else if has("Android") {
        // Before Linux: Android says "Linux; Android".
        Os::Android
    } else if has("iPhone") || has("iPod") {
        // Before macOS: iOS says "like Mac OS X".
        Os::Ios
    } else if has("iPad") {
        Os::IpadOs
    } else if has("Macintosh") || has("Mac OS X") {
        // iPadOS 13+ sends a Mac user agent; only a touch screen gives it away.
        if max_touch_points > 1 {
            Os::IpadOs
        } else {
            Os::MacOs
        }
    } else if has("Windows") {
        Os::Windows
    } else if has("Linux") || has("X11") {
        // Other X11 systems (BSDs) share Linux's keys and menus.
        Os::Linux
    } else {
        Os::Unknown
    }
}

/// Client hints are more truthful than the user agent where they exist (Chromium): Android's
/// "desktop site" mode sends a Linux user agent but still reports the Android platform.
fn refine_with_platform(os: Os, platform: &str, max_touch_points: u32) -> Os {
    let p = platform.trim().to_ascii_lowercase();
    let has = |token: &str| contains(&p, token);
    if p.is_empty() {
        return os;
    }
    match os {
        Os::Linux | Os::Unknown if has("android") => Os::Android,
        Os::Linux | Os::Unknown if has("chrome os") || has("chromium os") || has("cros") => {
            Os::ChromeOs
        }
        Os::Unknown if has("iphone") || has("ipod") => Os::Ios,
        Os::Unknown if has("ipad") => Os::IpadOs,
        Os::Unknown if has("win") => Os::Windows,
        Os::Unknown if has("mac") => {
            if max_touch_points > 1 {
                Os::IpadOs
            } else {
                Os::MacOs
            }
        }
        Os::Unknown if has("linux") => Os::Linux,
        _ => os,
    }
}

fn browser_from_user_agent(ua: &str) -> Browser {
    let has = |token: &str| contains(ua, token);
    if has("SamsungBrowser/") {
        // Also says Chrome and Safari.
        Browser::SamsungInternet
    } else if has("Edg/") || has("EdgA/") || has("EdgiOS/") || has("Edge/") {
        // Desktop, Android, iOS, and the old EdgeHTML Edge. Also says Chrome.
        Browser::Edge
    } else if has("OPR/") || has("OPT/") || has("OPiOS/") || has("OPX/") || has("Opera") {
        // Opera (desktop and Android), Opera Touch, Opera on iOS, Opera GX, Presto-era Opera.
        Browser::Opera
    } else if has("FxiOS/") || (has("Firefox/") && !has("Seamonkey/")) {
        Browser::Firefox
    } else if [
        "YaBrowser/",
        "Vivaldi/",
        "UCBrowser/",
        "MiuiBrowser/",
        "HuaweiBrowser/",
        "DuckDuckGo/",
        "Ddg/",
        "FBAN/",
        "FBAV/",
        "Instagram",
        "GSA/",
        " Line/",
        "; wv)",
    ]
    .iter()
    .any(|token| has(token))
    {
        // Other Chromium browsers, in-app browsers and Android web views: their menus are
        // neither Chrome's nor Safari's.
        Browser::Other
    } else if has("CriOS/") || has("Chrome/") || has("Chromium/") {
        // Before Safari: Chrome says Safari too. CriOS is Chrome on iOS.
        Browser::Chrome
    } else if has("Safari/") && has("Version/") && !has("Android") {
        // The old Android stock browser also had "Version/… Safari".
        Browser::Safari
    } else {
        Browser::Other
    }
}
