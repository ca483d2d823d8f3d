pub fn main(_args: &[String]) -> crate::Result<i32> {
    Err("todo".into())
}
