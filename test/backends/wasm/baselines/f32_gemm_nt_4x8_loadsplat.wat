(func $f32_gemm_nt_4x8_loadsplat (type 3) (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    local.get 3
    i32.const 4
    i32.mul
    local.set 16
    local.get 7
    i32.const 4
    i32.mul
    local.set 17
    local.get 1
    i32.const 32
    i32.mul
    local.set 18
    local.get 16
    local.set 22
    i32.const 4
    local.set 28
    local.get 16
    local.set 20
    local.get 0
    local.get 0
    i32.const 3
    i32.and
    i32.const 1
    i32.eq
    i32.sub
    local.set 15
    i32.const 0
    local.set 23
    loop  ;; label = @1
      local.get 1
      local.get 23
      i32.sub
      local.set 24
      local.get 24
      i32.const 256
      i32.gt_s
      if  ;; label = @2
        i32.const 256
        local.set 24
      end
      local.get 8
      local.get 23
      i32.const 0
      i32.gt_s
      i32.or
      local.set 27
      i32.const 0
      local.set 25
      block  ;; label = @2
        local.get 25
        local.get 15
        i32.ge_s
        br_if 0 (;@2;)
        loop  ;; label = @3
          local.get 25
          i32.const 64
          i32.add
          local.set 26
          local.get 26
          local.get 15
          i32.gt_s
          if  ;; label = @4
            local.get 15
            local.set 26
          end
          local.get 9
          local.set 12
          block  ;; label = @4
            local.get 12
            local.get 10
            i32.ge_s
            br_if 0 (;@4;)
            loop  ;; label = @5
              local.get 5
              local.get 12
              i32.const 8
              i32.mul
              i32.sub
              local.set 13
              local.get 13
              i32.const 8
              i32.gt_s
              if  ;; label = @6
                i32.const 8
                local.set 13
              end
              local.get 25
              local.set 11
              block  ;; label = @6
                local.get 11
                local.get 26
                i32.ge_s
                br_if 0 (;@6;)
                loop  ;; label = @7
                  local.get 15
                  local.get 11
                  i32.sub
                  local.set 14
                  local.get 14
                  i32.const 4
                  i32.gt_s
                  if  ;; label = @8
                    i32.const 4
                    local.set 14
                  end
                  local.get 11
                  local.set 29
                  local.get 2
                  local.get 29
                  local.get 22
                  i32.mul
                  i32.add
                  local.get 23
                  local.get 28
                  i32.mul
                  i32.add
                  local.set 31
                  local.get 6
                  local.get 29
                  local.get 17
                  i32.mul
                  i32.add
                  local.get 12
                  i32.const 32
                  i32.mul
                  i32.add
                  local.set 35
                  local.get 27
                  if  ;; label = @8
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 35
                      v128.load align=4
                      local.set 43
                      local.get 35
                      v128.load offset=16 align=4
                      local.set 44
                    else
                      local.get 35
                      local.get 13
                      call $f32_gemm_load_edge
                      local.set 43
                      local.get 35
                      i32.const 16
                      i32.add
                      local.get 13
                      i32.const 4
                      i32.sub
                      call $f32_gemm_load_edge
                      local.set 44
                    end
                  else
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 43
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 44
                  end
                  local.get 11
                  i32.const 1
                  local.get 14
                  i32.const 1
                  i32.sub
                  i32.const 1
                  local.get 14
                  i32.const 1
                  i32.sub
                  i32.lt_s
                  select
                  i32.add
                  local.set 29
                  local.get 2
                  local.get 29
                  local.get 22
                  i32.mul
                  i32.add
                  local.get 23
                  local.get 28
                  i32.mul
                  i32.add
                  local.set 32
                  local.get 6
                  local.get 29
                  local.get 17
                  i32.mul
                  i32.add
                  local.get 12
                  i32.const 32
                  i32.mul
                  i32.add
                  local.set 36
                  local.get 27
                  if  ;; label = @8
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 36
                      v128.load align=4
                      local.set 45
                      local.get 36
                      v128.load offset=16 align=4
                      local.set 46
                    else
                      local.get 36
                      local.get 13
                      call $f32_gemm_load_edge
                      local.set 45
                      local.get 36
                      i32.const 16
                      i32.add
                      local.get 13
                      i32.const 4
                      i32.sub
                      call $f32_gemm_load_edge
                      local.set 46
                    end
                  else
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 45
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 46
                  end
                  local.get 11
                  i32.const 2
                  local.get 14
                  i32.const 1
                  i32.sub
                  i32.const 2
                  local.get 14
                  i32.const 1
                  i32.sub
                  i32.lt_s
                  select
                  i32.add
                  local.set 29
                  local.get 2
                  local.get 29
                  local.get 22
                  i32.mul
                  i32.add
                  local.get 23
                  local.get 28
                  i32.mul
                  i32.add
                  local.set 33
                  local.get 6
                  local.get 29
                  local.get 17
                  i32.mul
                  i32.add
                  local.get 12
                  i32.const 32
                  i32.mul
                  i32.add
                  local.set 37
                  local.get 27
                  if  ;; label = @8
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 37
                      v128.load align=4
                      local.set 47
                      local.get 37
                      v128.load offset=16 align=4
                      local.set 48
                    else
                      local.get 37
                      local.get 13
                      call $f32_gemm_load_edge
                      local.set 47
                      local.get 37
                      i32.const 16
                      i32.add
                      local.get 13
                      i32.const 4
                      i32.sub
                      call $f32_gemm_load_edge
                      local.set 48
                    end
                  else
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 47
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 48
                  end
                  local.get 11
                  i32.const 3
                  local.get 14
                  i32.const 1
                  i32.sub
                  i32.const 3
                  local.get 14
                  i32.const 1
                  i32.sub
                  i32.lt_s
                  select
                  i32.add
                  local.set 29
                  local.get 2
                  local.get 29
                  local.get 22
                  i32.mul
                  i32.add
                  local.get 23
                  local.get 28
                  i32.mul
                  i32.add
                  local.set 34
                  local.get 6
                  local.get 29
                  local.get 17
                  i32.mul
                  i32.add
                  local.get 12
                  i32.const 32
                  i32.mul
                  i32.add
                  local.set 38
                  local.get 27
                  if  ;; label = @8
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 38
                      v128.load align=4
                      local.set 49
                      local.get 38
                      v128.load offset=16 align=4
                      local.set 50
                    else
                      local.get 38
                      local.get 13
                      call $f32_gemm_load_edge
                      local.set 49
                      local.get 38
                      i32.const 16
                      i32.add
                      local.get 13
                      i32.const 4
                      i32.sub
                      call $f32_gemm_load_edge
                      local.set 50
                    end
                  else
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 49
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    local.set 50
                  end
                  local.get 4
                  local.get 12
                  local.get 18
                  i32.mul
                  i32.add
                  local.get 23
                  i32.const 32
                  i32.mul
                  i32.add
                  local.set 39
                  local.get 24
                  local.set 19
                  block  ;; label = @8
                    local.get 19
                    i32.const 1
                    i32.lt_s
                    br_if 0 (;@8;)
                    loop  ;; label = @9
                      local.get 39
                      v128.load align=4
                      local.set 51
                      local.get 39
                      v128.load offset=16 align=4
                      local.set 52
                      local.get 31
                      v128.load32_splat
                      local.set 59
                      local.get 43
                      local.get 59
                      local.get 51
                      f32x4.mul
                      f32x4.add
                      local.set 43
                      local.get 44
                      local.get 59
                      local.get 52
                      f32x4.mul
                      f32x4.add
                      local.set 44
                      local.get 32
                      v128.load32_splat
                      local.set 59
                      local.get 45
                      local.get 59
                      local.get 51
                      f32x4.mul
                      f32x4.add
                      local.set 45
                      local.get 46
                      local.get 59
                      local.get 52
                      f32x4.mul
                      f32x4.add
                      local.set 46
                      local.get 33
                      v128.load32_splat
                      local.set 59
                      local.get 47
                      local.get 59
                      local.get 51
                      f32x4.mul
                      f32x4.add
                      local.set 47
                      local.get 48
                      local.get 59
                      local.get 52
                      f32x4.mul
                      f32x4.add
                      local.set 48
                      local.get 34
                      v128.load32_splat
                      local.set 59
                      local.get 49
                      local.get 59
                      local.get 51
                      f32x4.mul
                      f32x4.add
                      local.set 49
                      local.get 50
                      local.get 59
                      local.get 52
                      f32x4.mul
                      f32x4.add
                      local.set 50
                      local.get 31
                      i32.const 4
                      i32.add
                      local.set 31
                      local.get 32
                      i32.const 4
                      i32.add
                      local.set 32
                      local.get 33
                      i32.const 4
                      i32.add
                      local.set 33
                      local.get 34
                      i32.const 4
                      i32.add
                      local.set 34
                      local.get 39
                      i32.const 32
                      i32.add
                      local.set 39
                      local.get 19
                      i32.const 1
                      i32.sub
                      local.tee 19
                      i32.const 1
                      i32.ge_s
                      br_if 0 (;@9;)
                    end
                  end
                  block  ;; label = @8
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 35
                      local.get 43
                      v128.store align=4
                      local.get 35
                      local.get 44
                      v128.store offset=16 align=4
                    else
                      local.get 35
                      local.get 43
                      local.get 44
                      local.get 13
                      call $f32_gemm_store_edge
                    end
                  end
                  block  ;; label = @8
                    local.get 14
                    i32.const 1
                    i32.le_s
                    br_if 0 (;@8;)
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 36
                      local.get 45
                      v128.store align=4
                      local.get 36
                      local.get 46
                      v128.store offset=16 align=4
                    else
                      local.get 36
                      local.get 45
                      local.get 46
                      local.get 13
                      call $f32_gemm_store_edge
                    end
                  end
                  block  ;; label = @8
                    local.get 14
                    i32.const 2
                    i32.le_s
                    br_if 0 (;@8;)
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 37
                      local.get 47
                      v128.store align=4
                      local.get 37
                      local.get 48
                      v128.store offset=16 align=4
                    else
                      local.get 37
                      local.get 47
                      local.get 48
                      local.get 13
                      call $f32_gemm_store_edge
                    end
                  end
                  block  ;; label = @8
                    local.get 14
                    i32.const 3
                    i32.le_s
                    br_if 0 (;@8;)
                    local.get 13
                    i32.const 8
                    i32.eq
                    if  ;; label = @9
                      local.get 38
                      local.get 49
                      v128.store align=4
                      local.get 38
                      local.get 50
                      v128.store offset=16 align=4
                    else
                      local.get 38
                      local.get 49
                      local.get 50
                      local.get 13
                      call $f32_gemm_store_edge
                    end
                  end
                  local.get 11
                  i32.const 4
                  i32.add
                  local.set 11
                  local.get 11
                  local.get 26
                  i32.lt_s
                  br_if 0 (;@7;)
                end
              end
              local.get 12
              i32.const 1
              i32.add
              local.set 12
              local.get 12
              local.get 10
              i32.lt_s
              br_if 0 (;@5;)
            end
          end
          local.get 25
          i32.const 64
          i32.add
          local.set 25
          local.get 25
          local.get 15
          i32.lt_s
          br_if 0 (;@3;)
        end
      end
      local.get 15
      local.get 0
      i32.lt_s
      if  ;; label = @2
        local.get 5
        i32.const 3
        i32.shr_s
        local.set 21
        local.get 21
        local.get 10
        i32.gt_s
        if  ;; label = @3
          local.get 10
          local.set 21
        end
        local.get 9
        local.set 12
        i32.const 8
        local.set 13
        block  ;; label = @3
          loop  ;; label = @4
            local.get 12
            i32.const 2
            i32.add
            local.get 21
            i32.gt_s
            br_if 1 (;@3;)
            local.get 2
            local.get 15
            local.get 22
            i32.mul
            i32.add
            local.get 23
            local.get 28
            i32.mul
            i32.add
            local.set 31
            local.get 4
            local.get 12
            i32.const 0
            i32.add
            local.get 18
            i32.mul
            i32.add
            local.get 23
            i32.const 32
            i32.mul
            i32.add
            local.set 39
            local.get 6
            local.get 15
            local.get 17
            i32.mul
            i32.add
            local.get 12
            i32.const 0
            i32.add
            i32.const 32
            i32.mul
            i32.add
            local.set 35
            local.get 27
            if  ;; label = @5
              local.get 13
              i32.const 8
              i32.eq
              if  ;; label = @6
                local.get 35
                v128.load align=4
                local.set 43
                local.get 35
                v128.load offset=16 align=4
                local.set 44
              else
                local.get 35
                local.get 13
                call $f32_gemm_load_edge
                local.set 43
                local.get 35
                i32.const 16
                i32.add
                local.get 13
                i32.const 4
                i32.sub
                call $f32_gemm_load_edge
                local.set 44
              end
            else
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              local.set 43
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              local.set 44
            end
            local.get 4
            local.get 12
            i32.const 1
            i32.add
            local.get 18
            i32.mul
            i32.add
            local.get 23
            i32.const 32
            i32.mul
            i32.add
            local.set 40
            local.get 6
            local.get 15
            local.get 17
            i32.mul
            i32.add
            local.get 12
            i32.const 1
            i32.add
            i32.const 32
            i32.mul
            i32.add
            local.set 36
            local.get 27
            if  ;; label = @5
              local.get 13
              i32.const 8
              i32.eq
              if  ;; label = @6
                local.get 36
                v128.load align=4
                local.set 45
                local.get 36
                v128.load offset=16 align=4
                local.set 46
              else
                local.get 36
                local.get 13
                call $f32_gemm_load_edge
                local.set 45
                local.get 36
                i32.const 16
                i32.add
                local.get 13
                i32.const 4
                i32.sub
                call $f32_gemm_load_edge
                local.set 46
              end
            else
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              local.set 45
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              local.set 46
            end
            local.get 24
            local.set 19
            block  ;; label = @5
              local.get 19
              i32.const 2
              i32.lt_s
              br_if 0 (;@5;)
              loop  ;; label = @6
                local.get 39
                v128.load align=4
                local.set 51
                local.get 39
                v128.load offset=16 align=4
                local.set 52
                local.get 40
                v128.load align=4
                local.set 53
                local.get 40
                v128.load offset=16 align=4
                local.set 54
                local.get 31
                v128.load32_splat
                local.set 59
                local.get 43
                local.get 59
                local.get 51
                f32x4.mul
                f32x4.add
                local.set 43
                local.get 44
                local.get 59
                local.get 52
                f32x4.mul
                f32x4.add
                local.set 44
                local.get 45
                local.get 59
                local.get 53
                f32x4.mul
                f32x4.add
                local.set 45
                local.get 46
                local.get 59
                local.get 54
                f32x4.mul
                f32x4.add
                local.set 46
                local.get 39
                v128.load offset=32 align=4
                local.set 51
                local.get 39
                v128.load offset=48 align=4
                local.set 52
                local.get 40
                v128.load offset=32 align=4
                local.set 53
                local.get 40
                v128.load offset=48 align=4
                local.set 54
                local.get 31
                v128.load32_splat offset=4
                local.set 59
                local.get 43
                local.get 59
                local.get 51
                f32x4.mul
                f32x4.add
                local.set 43
                local.get 44
                local.get 59
                local.get 52
                f32x4.mul
                f32x4.add
                local.set 44
                local.get 45
                local.get 59
                local.get 53
                f32x4.mul
                f32x4.add
                local.set 45
                local.get 46
                local.get 59
                local.get 54
                f32x4.mul
                f32x4.add
                local.set 46
                local.get 31
                i32.const 8
                i32.add
                local.set 31
                local.get 39
                i32.const 64
                i32.add
                local.set 39
                local.get 40
                i32.const 64
                i32.add
                local.set 40
                local.get 19
                i32.const 2
                i32.sub
                local.tee 19
                i32.const 2
                i32.ge_s
                br_if 0 (;@6;)
              end
            end
            block  ;; label = @5
              local.get 19
              i32.eqz
              br_if 0 (;@5;)
              loop  ;; label = @6
                local.get 39
                v128.load align=4
                local.set 51
                local.get 39
                v128.load offset=16 align=4
                local.set 52
                local.get 40
                v128.load align=4
                local.set 53
                local.get 40
                v128.load offset=16 align=4
                local.set 54
                local.get 31
                v128.load32_splat
                local.set 59
                local.get 43
                local.get 59
                local.get 51
                f32x4.mul
                f32x4.add
                local.set 43
                local.get 44
                local.get 59
                local.get 52
                f32x4.mul
                f32x4.add
                local.set 44
                local.get 45
                local.get 59
                local.get 53
                f32x4.mul
                f32x4.add
                local.set 45
                local.get 46
                local.get 59
                local.get 54
                f32x4.mul
                f32x4.add
                local.set 46
                local.get 31
                i32.const 4
                i32.add
                local.set 31
                local.get 39
                i32.const 32
                i32.add
                local.set 39
                local.get 40
                i32.const 32
                i32.add
                local.set 40
                local.get 19
                i32.const 1
                i32.sub
                local.tee 19
                br_if 0 (;@6;)
              end
            end
            local.get 13
            i32.const 8
            i32.eq
            if  ;; label = @5
              local.get 35
              local.get 43
              v128.store align=4
              local.get 35
              local.get 44
              v128.store offset=16 align=4
            else
              local.get 35
              local.get 43
              local.get 44
              local.get 13
              call $f32_gemm_store_edge
            end
            local.get 13
            i32.const 8
            i32.eq
            if  ;; label = @5
              local.get 36
              local.get 45
              v128.store align=4
              local.get 36
              local.get 46
              v128.store offset=16 align=4
            else
              local.get 36
              local.get 45
              local.get 46
              local.get 13
              call $f32_gemm_store_edge
            end
            local.get 12
            i32.const 2
            i32.add
            local.set 12
            br 0 (;@4;)
          end
        end
        block  ;; label = @3
          loop  ;; label = @4
            local.get 12
            local.get 10
            i32.ge_s
            br_if 1 (;@3;)
            local.get 5
            local.get 12
            i32.const 8
            i32.mul
            i32.sub
            local.set 13
            local.get 13
            i32.const 8
            i32.gt_s
            if  ;; label = @5
              i32.const 8
              local.set 13
            end
            local.get 2
            local.get 15
            local.get 22
            i32.mul
            i32.add
            local.get 23
            local.get 28
            i32.mul
            i32.add
            local.set 31
            local.get 4
            local.get 12
            i32.const 0
            i32.add
            local.get 18
            i32.mul
            i32.add
            local.get 23
            i32.const 32
            i32.mul
            i32.add
            local.set 39
            local.get 6
            local.get 15
            local.get 17
            i32.mul
            i32.add
            local.get 12
            i32.const 0
            i32.add
            i32.const 32
            i32.mul
            i32.add
            local.set 35
            local.get 27
            if  ;; label = @5
              local.get 13
              i32.const 8
              i32.eq
              if  ;; label = @6
                local.get 35
                v128.load align=4
                local.set 43
                local.get 35
                v128.load offset=16 align=4
                local.set 44
              else
                local.get 35
                local.get 13
                call $f32_gemm_load_edge
                local.set 43
                local.get 35
                i32.const 16
                i32.add
                local.get 13
                i32.const 4
                i32.sub
                call $f32_gemm_load_edge
                local.set 44
              end
            else
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              local.set 43
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              local.set 44
            end
            local.get 24
            local.set 19
            block  ;; label = @5
              local.get 19
              i32.const 2
              i32.lt_s
              br_if 0 (;@5;)
              loop  ;; label = @6
                local.get 39
                v128.load align=4
                local.set 51
                local.get 39
                v128.load offset=16 align=4
                local.set 52
                local.get 31
                v128.load32_splat
                local.set 59
                local.get 43
                local.get 59
                local.get 51
                f32x4.mul
                f32x4.add
                local.set 43
                local.get 44
                local.get 59
                local.get 52
                f32x4.mul
                f32x4.add
                local.set 44
                local.get 39
                v128.load offset=32 align=4
                local.set 51
                local.get 39
                v128.load offset=48 align=4
                local.set 52
                local.get 31
                v128.load32_splat offset=4
                local.set 59
                local.get 43
                local.get 59
                local.get 51
                f32x4.mul
                f32x4.add
                local.set 43
                local.get 44
                local.get 59
                local.get 52
                f32x4.mul
                f32x4.add
                local.set 44
                local.get 31
                i32.const 8
                i32.add
                local.set 31
                local.get 39
                i32.const 64
                i32.add
                local.set 39
                local.get 19
                i32.const 2
                i32.sub
                local.tee 19
                i32.const 2
                i32.ge_s
                br_if 0 (;@6;)
              end
            end
            block  ;; label = @5
              local.get 19
              i32.eqz
              br_if 0 (;@5;)
              loop  ;; label = @6
                local.get 39
                v128.load align=4
                local.set 51
                local.get 39
                v128.load offset=16 align=4
                local.set 52
                local.get 31
                v128.load32_splat
                local.set 59
                local.get 43
                local.get 59
                local.get 51
                f32x4.mul
                f32x4.add
                local.set 43
                local.get 44
                local.get 59
                local.get 52
                f32x4.mul
                f32x4.add
                local.set 44
                local.get 31
                i32.const 4
                i32.add
                local.set 31
                local.get 39
                i32.const 32
                i32.add
                local.set 39
                local.get 19
                i32.const 1
                i32.sub
                local.tee 19
                br_if 0 (;@6;)
              end
            end
            local.get 13
            i32.const 8
            i32.eq
            if  ;; label = @5
              local.get 35
              local.get 43
              v128.store align=4
              local.get 35
              local.get 44
              v128.store offset=16 align=4
            else
              local.get 35
              local.get 43
              local.get 44
              local.get 13
              call $f32_gemm_store_edge
            end
            local.get 12
            i32.const 1
            i32.add
            local.set 12
            br 0 (;@4;)
          end
        end
      end
      local.get 23
      i32.const 256
      i32.add
      local.tee 23
      local.get 1
      i32.lt_s
      br_if 0 (;@1;)
    end)
