//! What the flow captures, as typed values with their wire names in one place: a
//! document's kind, the ID class, the side of an ID, the pose of a selfie and how the image
//! was taken. The flow's JavaScript holds the same lists (`web/flow/src/protocol.js`).

use serde::{Deserialize, Serialize};

/// An enum whose variants each have one wire name (serde, [`Self::as_str`], [`Self::parse`]).
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// What a document is an image of.
    DocumentKind { GovernmentId = "government_id", Selfie = "selfie" }
);

wire_enum!(
    /// The class of a government ID (docs/contract.md §5).
    IdClass {
        DriversLicense = "dl",
        Passport = "pp",
        NationalId = "id",
        ResidencePermit = "rp",
        Visa = "visa",
        Military = "mil",
    }
);

wire_enum!(
    /// A side of a government ID.
    Side { Front = "front", Back = "back" }
);

wire_enum!(
    /// A pose of a selfie.
    Pose { Center = "center", Left = "left", Right = "right" }
);

wire_enum!(
    /// How an image was taken.
    CaptureMethod { Manual = "manual", Auto = "auto", Upload = "upload" }
);

impl IdClass {
    /// The sides that must be captured: passports have one, every other class two.
    pub fn sides(self) -> &'static [Side] {
        match self {
            IdClass::Passport => &[Side::Front],
            _ => &[Side::Front, Side::Back],
        }
    }
}

impl Pose {
    /// The poses a selfie step asks for when its template names none.
    pub const DEFAULT: [Pose; 3] = [Pose::Center, Pose::Left, Pose::Right];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde_and_parse() {
        for c in IdClass::ALL {
            let json = serde_json::to_value(c).expect("serialises");
            assert_eq!(json, serde_json::Value::String(c.as_str().into()));
            assert_eq!(IdClass::parse(c.as_str()), Some(*c));
        }
        assert_eq!(
            DocumentKind::parse("government_id"),
            Some(DocumentKind::GovernmentId)
        );
        assert_eq!(Pose::parse("up"), None);
        assert_eq!(CaptureMethod::ALL.len(), 3);
    }

    #[test]
    fn passports_have_one_side() {
        assert_eq!(IdClass::Passport.sides(), &[Side::Front]);
        assert_eq!(IdClass::DriversLicense.sides(), &[Side::Front, Side::Back]);
    }
}

/// What the image is of, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Capture {
    GovernmentId {
        id_class: IdClass,
        side: Side,
        /// ISO 3166 alpha-2 or alpha-3, upper case: which checks apply depends on it.
        country: Option<String>,
    },
    Selfie(Pose),
}

impl Capture {
    pub fn kind(&self) -> DocumentKind {
        match self {
            Capture::GovernmentId { .. } => DocumentKind::GovernmentId,
            Capture::Selfie(_) => DocumentKind::Selfie,
        }
    }

    pub fn side(&self) -> &'static str {
        match self {
            Capture::GovernmentId { side, .. } => side.as_str(),
            Capture::Selfie(pose) => pose.as_str(),
        }
    }
}
