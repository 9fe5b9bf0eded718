//! JSON to protobuf and back, generically from the descriptors: the canonical proto3 JSON mapping
//! (camelCase or proto field names in, camelCase out, enums by name, 64-bit integers as strings, the
//! well-known types such as Timestamp and FieldMask in their special forms).

use prost::Message as _;
use prost_reflect::{DynamicMessage, Kind, MessageDescriptor, SerializeOptions};
use serde_json::error::Category;
use serde_path_to_error::Segment;
use tonic::Code;

use crate::refusal::Refusal;

/// Encodes a JSON request as the protobuf of `input`, or says what is wrong with it.
pub(crate) fn json_to_proto(input: &MessageDescriptor, json: &[u8]) -> Result<Vec<u8>, Refusal> {
    // An empty body is the empty message, as Connect clients send for requests without fields.
    let json = if json.iter().all(u8::is_ascii_whitespace) { b"{}" } else { json };
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let mut track = serde_path_to_error::Track::new();
    let message = DynamicMessage::deserialize(
        input.clone(),
        serde_path_to_error::Deserializer::new(&mut deserializer, &mut track),
    )
    .and_then(|message| deserializer.end().map(|()| message));
    match message {
        Ok(message) => Ok(message.encode_to_vec()),
        Err(error) => Err(refusal(input, &error, track.path())),
    }
}

/// Decodes a protobuf response of `output` as canonical JSON.
pub(crate) fn proto_to_json(output: &MessageDescriptor, proto: &[u8]) -> Result<Vec<u8>, String> {
    let message = DynamicMessage::decode(output.clone(), proto).map_err(|e| e.to_string())?;
    to_json(&message)
}

/// A message as canonical JSON.
pub(crate) fn to_json(message: &DynamicMessage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::new(&mut out);
    message.serialize_with_options(&mut serializer, &SerializeOptions::new()).map_err(|e| e.to_string())?;
    Ok(out)
}

/// INVALID_ARGUMENT naming the problem, and the field when there is one.
fn refusal(input: &MessageDescriptor, error: &serde_json::Error, path: serde_path_to_error::Path) -> Refusal {
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => Refusal::new(
            Code::InvalidArgument,
            "MALFORMED_JSON",
            format!("the request body is not valid JSON: {error}"),
        ),
        Category::Data => {
            let field = proto_path(input, &path);
            let problem = error.to_string();
            let message = if field.is_empty() {
                format!("the request does not match {}: {problem}", input.full_name())
            } else {
                format!("invalid value for field {field}: {problem}")
            };
            let refusal = Refusal::new(Code::InvalidArgument, "INVALID_FIELD", message);
            if field.is_empty() { refusal } else { refusal.with_violation(field, problem) }
        }
    }
}

/// The JSON path of an error as a proto field path (`cadre.post_level`, `units[2].name`): what AIP-193
/// field violations name. Segments the descriptors do not know are kept as the client wrote them.
fn proto_path(input: &MessageDescriptor, path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    let mut message = Some(input.clone());
    for segment in path.iter() {
        match segment {
            Segment::Map { key } => {
                let field = message
                    .as_ref()
                    .and_then(|m| m.get_field_by_json_name(key).or_else(|| m.get_field_by_name(key)));
                if !out.is_empty() {
                    out.push('.');
                }
                match field {
                    Some(field) => {
                        out.push_str(field.name());
                        message = match field.kind() {
                            Kind::Message(m) if !field.is_map() => Some(m),
                            _ => None,
                        };
                    }
                    None => {
                        out.push_str(key);
                        message = None;
                    }
                }
            }
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{catalog::Catalog, options::Upstream};

    fn catalog() -> Arc<Catalog> {
        Arc::new(
            Catalog::new(&[Upstream::new(
                "d",
                "http://127.0.0.1:1".parse().unwrap(),
                &["cadre.directory.v1"],
            )])
            .unwrap(),
        )
    }

    #[test]
    fn camel_case_enums_and_well_known_types_transcode() {
        let catalog = catalog();
        let input = catalog.message("cadre.directory.v1.UpdateCadreRequest").unwrap();
        let json = br#"{"requestId":"r1","cadre":{"id":"c1","name":"Wang"},"updateMask":"name,postLevel","expected_version":"3"}"#;
        let proto = json_to_proto(&input, json).unwrap();
        let decoded = cadre_proto::directory::UpdateCadreRequest::decode(&*proto).unwrap();
        assert_eq!(decoded.request_id, "r1");
        assert_eq!(decoded.expected_version, 3);
        assert_eq!(decoded.update_mask.unwrap().paths, ["name", "post_level"]);
        let back =
            String::from_utf8(to_json(&DynamicMessage::decode(input, &*proto).unwrap()).unwrap()).unwrap();
        assert!(back.contains(r#""updateMask":"name,postLevel""#), "{back}");
        assert!(back.contains(r#""expectedVersion":"3""#), "{back}");
    }

    #[test]
    fn errors_name_the_field_in_proto_terms() {
        let catalog = catalog();
        let input = catalog.message("cadre.directory.v1.SearchCadresRequest").unwrap();
        let wrong = json_to_proto(&input, br#"{"pageSize":"many"}"#).unwrap_err().into_status();
        assert_eq!(wrong.code(), Code::InvalidArgument);
        use tonic_types::StatusExt as _;
        let details = wrong.get_error_details();
        assert_eq!(details.error_info().unwrap().reason, "INVALID_FIELD");
        assert_eq!(details.bad_request().unwrap().field_violations[0].field, "page_size");
        let enum_value = json_to_proto(&input, br#"{"postLevel":"NOT_A_LEVEL"}"#).unwrap_err();
        assert!(enum_value.into_status().message().contains("post_level"));
        let syntax = json_to_proto(&input, b"{\"nameQuery\":").unwrap_err();
        assert_eq!(syntax.reason(), "MALFORMED_JSON");
        let trailing = json_to_proto(&input, b"{} {}").unwrap_err();
        assert_eq!(trailing.reason(), "MALFORMED_JSON");
        assert!(json_to_proto(&input, b"  ").unwrap().is_empty());
    }
}
