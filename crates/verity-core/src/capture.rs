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

    /// The ID side or selfie pose.
    pub fn shot(&self) -> Shot {
        match self {
            Capture::GovernmentId { side, .. } => Shot::Id(*side),
            Capture::Selfie(pose) => Shot::Selfie(*pose),
        }
    }

    /// The class of an ID; `None` for a selfie.
    pub fn id_class(&self) -> Option<IdClass> {
        match self {
            Capture::GovernmentId { id_class, .. } => Some(*id_class),
            Capture::Selfie(_) => None,
        }
    }

    /// The issuing country given with an ID side.
    pub fn country(&self) -> Option<&str> {
        match self {
            Capture::GovernmentId { country, .. } => country.as_deref(),
            Capture::Selfie(_) => None,
        }
    }
}

/// One image a capture step asks for: a side of an ID or a pose of a selfie. Its wire
/// name is the upload's `side` (docs/contract.md §5), which is also how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shot {
    Id(Side),
    Selfie(Pose),
}

impl Shot {
    pub fn kind(self) -> DocumentKind {
        match self {
            Shot::Id(_) => DocumentKind::GovernmentId,
            Shot::Selfie(_) => DocumentKind::Selfie,
        }
    }

    /// The wire name: `front` / `back` for IDs, `center` / `left` / `right` for selfies.
    pub fn as_str(self) -> &'static str {
        match self {
            Shot::Id(side) => side.as_str(),
            Shot::Selfie(pose) => pose.as_str(),
        }
    }

    /// The shot of `kind` named `side`; `None` when `side` is no side or pose of that kind.
    pub fn parse(kind: DocumentKind, side: &str) -> Option<Shot> {
        match kind {
            DocumentKind::GovernmentId => Side::parse(side).map(Shot::Id),
            DocumentKind::Selfie => Pose::parse(side).map(Shot::Selfie),
        }
    }
}

impl std::fmt::Display for Shot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Shot {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
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

    #[test]
    fn a_shot_is_a_side_or_a_pose_of_its_kind() {
        let front = Shot::parse(DocumentKind::GovernmentId, "front");
        assert_eq!(front, Some(Shot::Id(Side::Front)));
        assert_eq!(Shot::parse(DocumentKind::Selfie, "front"), None);
        assert_eq!(Shot::parse(DocumentKind::GovernmentId, "left"), None);
        let left = Shot::Selfie(Pose::Left);
        assert_eq!((left.kind(), left.as_str()), (DocumentKind::Selfie, "left"));
        let json = serde_json::to_value(left).expect("serialises");
        assert_eq!(json, serde_json::Value::String("left".into()));
    }
}
