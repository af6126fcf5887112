//! Plan texts into `youxiang_core::Plan`.

pub mod planfile;
pub mod published;
