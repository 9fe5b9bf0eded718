//! Closed vocabularies shared by every service: a text code for storage and JSON, a proto number for the
//! wire, declared once per value so neither mapping is written twice.

/// Declares an enum with a text code and a proto number per variant.
#[macro_export]
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $number:literal => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $number),+
        }

        impl $name {
            /// Every value, in proto order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The value with this stored code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The proto enum number.
            pub fn number(self) -> i32 {
                self as i32
            }

            /// The value with this proto number; `None` for 0 (unspecified) and unknown numbers.
            pub fn from_number(number: i32) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.number() == number)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(d)?;
                Self::from_code(&code).ok_or_else(|| {
                    <D::Error as $crate::__private::serde::de::Error>::custom(format!(
                        "unknown {} code {code:?}",
                        stringify!($name)
                    ))
                })
            }
        }
    };
}
