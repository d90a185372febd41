//! `.mobileprovision` parsing (BER CMS walker + plist): any input gives a profile or an
//! error, never a panic, and a parsed profile survives validation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::ios::profile::ProvisioningProfile;

fuzz_target!(|data: &[u8]| {
    for parsed in [
        ProvisioningProfile::from_mobileprovision(data),
        ProvisioningProfile::from_plist_xml(data),
    ] {
        if let Ok(profile) = parsed {
            let _ = profile.validate("com.acme.app", data, 0);
            let _ = profile.days_left(i64::MAX / 2);
        }
    }
});
